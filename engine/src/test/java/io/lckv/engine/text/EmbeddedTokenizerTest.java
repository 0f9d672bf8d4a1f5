package io.lckv.engine.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * DJL's tokenizer must encode the embedded model's tokenizer.json exactly as the training code
 * did (models/training/byte_bpe.py), or the served model would read different tokens than it
 * learnt. The ids come from that code (models/training/tokenizer_golden.py).
 */
class EmbeddedTokenizerTest {

  private static final Path MODEL = Path.of("..", "models", "lckv-tiny-w2");
  private static final Path GOLDEN = Path.of("src", "test", "resources", "tiny-tokenizer-golden.json");

  @Test
  void encodesAndDecodesLikeTheTrainingTokenizer() throws Exception {
    JsonNode cases = new ObjectMapper().readTree(GOLDEN.toFile()).get("cases");
    try (HfTokenizer tokenizer = HfTokenizer.load(MODEL.resolve("tokenizer.json"))) {
      for (JsonNode c : cases) {
        String text = c.get("text").asText();
        int[] expected =
            StreamSupport.stream(c.get("ids").spliterator(), false).mapToInt(JsonNode::asInt).toArray();
        assertArrayEquals(expected, tokenizer.encode(text, false), text);
        assertEquals(text, tokenizer.decode(expected), "decode of " + text);
      }
    }
  }
}
