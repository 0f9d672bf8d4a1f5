package io.lckv.engine.text;

import java.util.List;

/** One request's output text: incremental detokenization, then stop strings. */
public final class GeneratedText {

  private final IncrementalDetokenizer detokenizer;
  private final StopStrings stops;

  public GeneratedText(Tokenizer tokenizer, int[] prompt, List<String> stopStrings) {
    this.detokenizer = new IncrementalDetokenizer(tokenizer, prompt);
    this.stops = new StopStrings(stopStrings);
  }

  /** Text a new token releases, and whether it completed a stop string. */
  public StopStrings.Released append(int tokenId) {
    return stops.accept(detokenizer.push(tokenId));
  }

  /** Text still held back when generation ends for another reason than a stop string. */
  public StopStrings.Released finish() {
    StopStrings.Released last = stops.accept(detokenizer.flush());
    return last.stopped() ? last : new StopStrings.Released(last.text() + stops.flush(), false);
  }
}
