package io.lckv.engine.text;

/** Text to token ids and back, as the model's tokenizer defines it. */
public interface Tokenizer extends AutoCloseable {

  /** Token ids of {@code text}; {@code addSpecialTokens} adds what the tokenizer adds (e.g. BOS). */
  int[] encode(String text, boolean addSpecialTokens);

  /**
   * Text of {@code tokenIds}, special tokens left out. Bytes that do not form whole UTF-8
   * characters come out as U+FFFD, which is what {@link IncrementalDetokenizer} relies on.
   */
  String decode(int[] tokenIds);

  @Override
  void close();
}
