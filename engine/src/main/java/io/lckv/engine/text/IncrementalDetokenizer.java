package io.lckv.engine.text;

import java.util.Arrays;

/**
 * Turns generated tokens into text deltas one token at a time.
 *
 * <p>Decoding each token alone goes wrong twice: a byte-level token may end in the middle of a
 * UTF-8 character, and decoders strip or add a leading space depending on what came before. So
 * each step decodes a short window of tokens ending with the new one and emits what it adds to the
 * decoded text of the window without it. While the window's text ends in U+FFFD the last
 * character may still be incomplete, and nothing is emitted until a later token completes it (or
 * {@link #flush()} gives up at the end). A real U+FFFD the model produced is thereby only delayed
 * by one token.
 *
 * <p>The first window starts a few prompt tokens back, so the first generated token is decoded
 * as a continuation, not as the start of a text.
 */
public final class IncrementalDetokenizer {

  /**
   * Prompt tokens kept as context: one settles leading-space handling, and a UTF-8 character
   * spans at most four byte tokens should the prompt end inside one.
   */
  static final int PROMPT_CONTEXT = 4;

  private final Tokenizer tokenizer;
  private int[] ids;
  private int size;
  private int prefixOffset;
  private int readOffset;
  private String prefixText;

  public IncrementalDetokenizer(Tokenizer tokenizer, int[] prompt) {
    this.tokenizer = tokenizer;
    int context = Math.min(PROMPT_CONTEXT, prompt.length);
    this.ids = new int[32];
    System.arraycopy(prompt, prompt.length - context, ids, 0, context);
    this.size = context;
    this.readOffset = context;
    this.prefixText = tokenizer.decode(Arrays.copyOf(ids, context));
  }

  /** Text that token {@code tokenId} completes; empty while a character is still incomplete. */
  public String push(int tokenId) {
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, size * 2);
    }
    ids[size++] = tokenId;
    String text = decodeFrom(prefixOffset);
    if (text.endsWith("\uFFFD")) {
      return "";
    }
    String delta = text.substring(commonPrefix(prefixText, text));
    prefixText = tokenizer.decode(Arrays.copyOfRange(ids, readOffset, size));
    prefixOffset = readOffset;
    readOffset = size;
    return delta;
  }

  /** Whatever is still held back, incomplete characters included; call once, at the end. */
  public String flush() {
    if (readOffset == size) {
      return "";
    }
    String text = decodeFrom(prefixOffset);
    readOffset = size;
    return text.substring(commonPrefix(prefixText, text));
  }

  private String decodeFrom(int from) {
    return tokenizer.decode(Arrays.copyOfRange(ids, from, size));
  }

  /**
   * Normally all of {@code before}; shorter only when the prompt context ended inside a character
   * that the new token completed. Never splits a surrogate pair.
   */
  private static int commonPrefix(String before, String after) {
    int n = Math.min(before.length(), after.length());
    int i = 0;
    while (i < n && before.charAt(i) == after.charAt(i)) {
      i++;
    }
    if (i > 0 && i < after.length() && Character.isHighSurrogate(after.charAt(i - 1))) {
      i--;
    }
    return i;
  }
}
