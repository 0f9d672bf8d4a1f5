package io.lckv.engine.text;

import static io.lckv.engine.text.ByteLevelBpeFixture.EMOJI_HEAD;
import static io.lckv.engine.text.ByteLevelBpeFixture.EMOJI_TAIL;
import static io.lckv.engine.text.ByteLevelBpeFixture.END;
import static io.lckv.engine.text.ByteLevelBpeFixture.EURO_HEAD;
import static io.lckv.engine.text.ByteLevelBpeFixture.EURO_TAIL;
import static io.lckv.engine.text.ByteLevelBpeFixture.SPACE_E_LEAD;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncrementalDetokenizerTest {

  @TempDir static Path dir;
  static HfTokenizer bpe;

  @BeforeAll
  static void load() throws IOException {
    bpe = HfTokenizer.load(ByteLevelBpeFixture.write(dir));
  }

  @AfterAll
  static void close() {
    bpe.close();
  }

  private static List<String> deltas(Tokenizer tokenizer, int[] prompt, int... generated) {
    var detokenizer = new IncrementalDetokenizer(tokenizer, prompt);
    List<String> out = new ArrayList<>();
    for (int token : generated) {
      out.add(detokenizer.push(token));
    }
    out.add(detokenizer.flush());
    return out;
  }

  @Test
  void aCharacterSplitAcrossTokensIsEmittedWhenComplete() {
    int[] prompt = bpe.encode("say", false);
    assertEquals(
        List.of("", " é", "", "€", "", "😀", ""),
        deltas(bpe, prompt, SPACE_E_LEAD, 0xA9, EURO_HEAD, EURO_TAIL, EMOJI_HEAD, EMOJI_TAIL));
  }

  @Test
  void deltasConcatenateToTheDecodedTextForEveryPrefix() {
    int[] generated = bpe.encode("hello the world, café € 😀 hé", false);
    String expected = bpe.decode(generated);
    var detokenizer = new IncrementalDetokenizer(bpe, new int[0]);
    var text = new StringBuilder();
    for (int token : generated) {
      String delta = detokenizer.push(token);
      text.append(delta);
      assertEquals(-1, delta.indexOf('\uFFFD'), "no half character is ever emitted");
    }
    text.append(detokenizer.flush());
    assertEquals(expected, text.toString());
  }

  @Test
  void anIncompleteCharacterAtTheEndComesOutOnFlush() {
    assertEquals(List.of("a", "", "\uFFFD"), deltas(bpe, new int[0], 'a', EURO_HEAD));
  }

  @Test
  void specialTokensAddNoText() {
    assertEquals(List.of("a", "", "b", ""), deltas(bpe, new int[0], 'a', END, 'b'));
  }

  /**
   * A SentencePiece-style decoder: "▁" stands for a space, and a text's first space is dropped.
   * Decoding the generated token alone would lose the space between prompt and output.
   */
  @Test
  void theFirstGeneratedTokenIsDecodedAsAContinuationOfThePrompt() {
    List<String> pieces = List.of("▁Hello", "▁world", "!", "▁again");
    var metaspace =
        new Tokenizer() {
          @Override
          public int[] encode(String text, boolean addSpecialTokens) {
            throw new UnsupportedOperationException();
          }

          @Override
          public String decode(int[] ids) {
            var text = new StringBuilder();
            for (int id : ids) {
              text.append(pieces.get(id).replace('▁', ' '));
            }
            return text.isEmpty() || text.charAt(0) != ' ' ? text.toString() : text.substring(1);
          }

          @Override
          public void close() {}
        };
    assertEquals(List.of(" world", "!", " again", ""), deltas(metaspace, new int[] {0}, 1, 2, 3));
    assertEquals(List.of("world", "!", ""), deltas(metaspace, new int[0], 1, 2));
  }
}
