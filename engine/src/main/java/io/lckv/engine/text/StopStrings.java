package io.lckv.engine.text;

import java.util.List;

/**
 * Finds stop strings in streamed text, which may arrive split across any number of deltas. Text
 * that could still turn out to be the start of a stop string is held back; a matched stop string
 * and everything after it is never released.
 */
public final class StopStrings {

  /** Text that may be shown, and whether a stop string was found right after it. */
  public record Released(String text, boolean stopped) {}

  private final List<String> stops;
  private final int longest;
  private String pending = "";
  private boolean stopped;

  public StopStrings(List<String> stops) {
    this.stops = List.copyOf(stops);
    this.longest = stops.stream().mapToInt(String::length).max().orElse(0);
  }

  public Released accept(String delta) {
    if (stopped) {
      throw new IllegalStateException("a stop string was already found");
    }
    String text = pending + delta;
    int first = -1;
    for (String stop : stops) {
      int at = text.indexOf(stop);
      if (at >= 0 && (first < 0 || at < first)) {
        first = at;
      }
    }
    if (first >= 0) {
      stopped = true;
      pending = "";
      return new Released(text.substring(0, first), true);
    }
    int hold = heldBack(text);
    pending = text.substring(text.length() - hold);
    return new Released(text.substring(0, text.length() - hold), false);
  }

  /** What was held back, for when generation ends without a stop string. */
  public String flush() {
    String rest = pending;
    pending = "";
    return rest;
  }

  /** Length of the longest suffix that is a proper prefix of some stop string. */
  private int heldBack(String text) {
    for (int k = Math.min(text.length(), longest - 1); k > 0; k--) {
      String suffix = text.substring(text.length() - k);
      if (stops.stream().anyMatch(stop -> stop.startsWith(suffix))) {
        // keep a surrogate pair together
        boolean splitsPair = Character.isLowSurrogate(text.charAt(text.length() - k));
        return splitsPair && k < text.length() ? k + 1 : k;
      }
    }
    return 0;
  }
}
