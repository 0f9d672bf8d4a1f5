package io.lckv.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CheckpointExceptionTest {

  @Test
  void quotingEscapesControlCharactersAndQuotes() {
    assertEquals("\"a\\x0ab\\\"c\\\\d\\x7f\"", CheckpointException.quote("a\nb\"c\\d\u007f"));
  }

  @Test
  void quotingCutsFloodsShort() {
    String quoted = CheckpointException.quote("x".repeat(10_000));
    assertTrue(quoted.length() < 200 && quoted.endsWith("...\""), quoted);
  }

  @Test
  void theMessageStartsWithTheFileAndStaysOnOneLine() {
    var e = new CheckpointException(Path.of("/m/config.json"), "two\nlines");
    assertEquals("/m/config.json: two\\nlines", e.getMessage());
    assertEquals(Path.of("/m/config.json"), e.file());
  }
}
