package io.lckv.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lckv.engine.text.StopStrings.Released;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratedTextTest {

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

  @Test
  void aStopStringSpanningTokensAndAHalfCharacterEndsTheText() {
    var text = new GeneratedText(bpe, new int[0], List.of("é€"));
    int[] tokens = bpe.encode("ok é€ rest", false);
    var out = new StringBuilder();
    Released released = null;
    for (int token : tokens) {
      released = text.append(token);
      out.append(released.text());
      if (released.stopped()) {
        break;
      }
    }
    assertEquals(new Released("", true), released);
    assertEquals("ok ", out.toString());
  }

  @Test
  void heldBackTextIsReleasedWhenGenerationEndsOtherwise() {
    var text = new GeneratedText(bpe, new int[0], List.of("ab"));
    assertEquals(new Released("x", false), text.append('x'));
    assertEquals(new Released("", false), text.append('a'));
    assertEquals(new Released("a", false), text.finish());
  }
}
