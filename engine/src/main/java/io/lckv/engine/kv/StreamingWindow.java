package io.lckv.engine.kv;

import io.lckv.engine.InvalidParameterException;

/**
 * StreamingLLM for one request (spec §5): the cache keeps the first {@code sinkTokens} entries and
 * the latest {@code windowTokens - sinkTokens}, so it never holds more than {@code windowTokens}
 * entries however long the request generates.
 */
public record StreamingWindow(int sinkTokens, int windowTokens) {

  public StreamingWindow {
    if (sinkTokens < 0) {
      throw new InvalidParameterException(
          "streaming.sink_tokens", "must be >= 0, not " + sinkTokens);
    }
    if (windowTokens <= sinkTokens) {
      throw new InvalidParameterException(
          "streaming.window_tokens",
          "must exceed sink_tokens (" + sinkTokens + ") so at least one recent entry is kept, not "
              + windowTokens);
    }
  }

  /** The reference's long-run setting: 4 sinks, 1024 entries. */
  public static StreamingWindow referenceDefault() {
    return new StreamingWindow(4, 1024);
  }
}
