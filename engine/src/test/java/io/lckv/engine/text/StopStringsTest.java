package io.lckv.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lckv.engine.text.StopStrings.Released;
import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringsTest {

  @Test
  void aStopStringSplitOverDeltasIsHeldBackAndNeverReleased() {
    var stops = new StopStrings(List.of("END"));
    assertEquals(new Released("ab", false), stops.accept("abE"));
    assertEquals(new Released("", false), stops.accept("N"));
    assertEquals(new Released("", true), stops.accept("D and more"));
  }

  @Test
  void heldTextThatDoesNotBecomeAStopIsReleasedLater() {
    var stops = new StopStrings(List.of("END"));
    assertEquals(new Released("x", false), stops.accept("xEN"));
    assertEquals(new Released("ENy", false), stops.accept("y"));
    assertEquals(new Released("", false), stops.accept("E"));
    assertEquals("E", stops.flush());
  }

  @Test
  void theEarliestOfSeveralStopsWins() {
    var stops = new StopStrings(List.of("world", "lo w"));
    assertEquals(new Released("hel", true), stops.accept("hello world"));
    assertThrows(IllegalStateException.class, () -> stops.accept("more"));
  }

  @Test
  void withoutStopStringsEverythingPassesAtOnce() {
    var stops = new StopStrings(List.of());
    assertEquals(new Released("anything", false), stops.accept("anything"));
    assertEquals("", stops.flush());
  }

  @Test
  void heldTextNeverEndsInsideASurrogatePair() {
    // the stop starts with the low half of 😀's pair, which only a broken string can do
    var stops = new StopStrings(List.of("\uDE00!"));
    Released released = stops.accept("a😀");
    assertEquals(new Released("a", false), released);
    assertEquals("😀", stops.flush());
  }
}
