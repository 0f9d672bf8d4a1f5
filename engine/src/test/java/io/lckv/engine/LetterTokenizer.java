package io.lckv.engine;

import io.lckv.engine.text.Tokenizer;

/** One character per token over {@link PagedFakeRunner#ALPHABET}; the end token decodes to nothing. */
public class LetterTokenizer implements Tokenizer {

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    return text.chars().map(c -> {
      int id = PagedFakeRunner.ALPHABET.indexOf(c);
      if (id < 0) {
        throw new IllegalArgumentException("no token for " + (char) c);
      }
      return id;
    }).toArray();
  }

  @Override
  public String decode(int[] tokenIds) {
    var text = new StringBuilder();
    for (int id : tokenIds) {
      if (id != PagedFakeRunner.EOS) {
        text.append(PagedFakeRunner.ALPHABET.charAt(id));
      }
    }
    return text.toString();
  }

  @Override
  public void close() {}
}
