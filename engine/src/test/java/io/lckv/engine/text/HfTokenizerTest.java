package io.lckv.engine.text;

import static io.lckv.engine.text.ByteLevelBpeFixture.E_ACUTE;
import static io.lckv.engine.text.ByteLevelBpeFixture.EMOJI_HEAD;
import static io.lckv.engine.text.ByteLevelBpeFixture.EMOJI_TAIL;
import static io.lckv.engine.text.ByteLevelBpeFixture.END;
import static io.lckv.engine.text.ByteLevelBpeFixture.EURO_HEAD;
import static io.lckv.engine.text.ByteLevelBpeFixture.EURO_TAIL;
import static io.lckv.engine.text.ByteLevelBpeFixture.SPACE_E_LEAD;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {

  @TempDir static Path dir;
  static HfTokenizer tokenizer;

  @BeforeAll
  static void load() throws IOException {
    tokenizer = HfTokenizer.load(ByteLevelBpeFixture.write(dir));
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  @Test
  void mergesSplitMultiByteCharactersAcrossTokens() {
    assertArrayEquals(new int[] {'h', 'i', SPACE_E_LEAD, 0xA9}, tokenizer.encode("hi é", false));
    assertArrayEquals(new int[] {'c', 'a', 'f', E_ACUTE}, tokenizer.encode("café", false));
    assertArrayEquals(new int[] {EURO_HEAD, EURO_TAIL}, tokenizer.encode("€", false));
    assertArrayEquals(new int[] {EMOJI_HEAD, EMOJI_TAIL}, tokenizer.encode("😀", false));
    assertEquals("hi é€😀", tokenizer.decode(tokenizer.encode("hi é€😀", false)));
  }

  @Test
  void incompleteCharactersDecodeToTheReplacementCharacter() {
    assertEquals(" \uFFFD", tokenizer.decode(new int[] {SPACE_E_LEAD}));
    assertEquals("\uFFFD", tokenizer.decode(new int[] {EMOJI_HEAD}));
  }

  @Test
  void specialTokensAreLeftOutOfDecodedText() {
    assertEquals("hi", tokenizer.decode(new int[] {'h', END, 'i'}));
    assertArrayEquals(new int[] {'a', END}, tokenizer.encode("a<|end|>", false));
  }

  @Test
  void longPromptsAreNotTruncated() {
    String text = "ab ".repeat(1000);
    assertEquals(text, tokenizer.decode(tokenizer.encode(text, false)));
  }
}
