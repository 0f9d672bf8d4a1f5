package io.lckv.engine.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a tiny byte-level BPE {@code tokenizer.json}: the 256 byte symbols as ids 0..255 (id =
 * byte value), a few merges, and one special end token. Some merges stop inside a UTF-8
 * character on purpose, so that tests see characters split across tokens:
 *
 * <ul>
 *   <li>" é" = 20 C3 | A9: token {@link #SPACE_E_LEAD} ends after the lead byte of é
 *   <li>"€" = E2 82 | AC: token {@link #EURO_HEAD} holds two of its three bytes
 *   <li>"😀" = F0 9F | 98 80: two tokens of two bytes each
 * </ul>
 */
public final class ByteLevelBpeFixture {

  /** Merges in priority order; each makes the token with id 256 + its index. */
  static final List<String> MERGES =
      List.of(
          "Ġ Ã", // 256: space + lead byte of é, ends mid-character
          "Ã ©", // 257: é
          "â Ĥ", // 258: first two bytes of €
          "ð Ł", // 259: first two bytes of 😀
          "ĺ Ģ", // 260: last two bytes of 😀
          "h e", // 261
          "l l", // 262
          "Ġ w", // 263
          "Ġ t", // 264
          "Ġt he"); // 265

  public static final int SPACE_E_LEAD = 256;
  public static final int E_ACUTE = 257;
  public static final int EURO_HEAD = 258;
  public static final int EURO_TAIL = 0xAC;
  public static final int EMOJI_HEAD = 259;
  public static final int EMOJI_TAIL = 260;
  public static final int END = 256 + MERGES.size();
  public static final int VOCAB_SIZE = END + 1;

  private ByteLevelBpeFixture() {}

  /** Writes {@code tokenizer.json} into {@code dir} and returns its path. */
  public static Path write(Path dir) throws IOException {
    var json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ObjectNode end = root.putArray("added_tokens").addObject();
    end.put("id", END).put("content", "<|end|>").put("single_word", false).put("lstrip", false)
        .put("rstrip", false).put("normalized", false).put("special", true);
    root.putNull("normalizer");
    byteLevel(root.putObject("pre_tokenizer")).put("add_prefix_space", false);
    root.putNull("post_processor");
    byteLevel(root.putObject("decoder")).put("add_prefix_space", false);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE").putNull("dropout");
    model.putNull("unk_token").putNull("continuing_subword_prefix").putNull("end_of_word_suffix");
    model.put("fuse_unk", false).put("byte_fallback", false);
    ObjectNode vocab = model.putObject("vocab");
    for (int b = 0; b < 256; b++) {
      vocab.put(byteSymbol(b), b);
    }
    ArrayNode merges = model.putArray("merges");
    for (int i = 0; i < MERGES.size(); i++) {
      vocab.put(MERGES.get(i).replace(" ", ""), 256 + i);
      merges.add(MERGES.get(i));
    }
    Path file = dir.resolve("tokenizer.json");
    json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    return file;
  }

  private static ObjectNode byteLevel(ObjectNode node) {
    return node.put("type", "ByteLevel").put("trim_offsets", true).put("use_regex", true);
  }

  /**
   * GPT-2's reversible byte-to-character map: printable Latin-1 bytes stand for themselves, the
   * others take the characters from U+0100 on, in byte order.
   */
  static String byteSymbol(int b) {
    if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
      return String.valueOf((char) b);
    }
    int shifted = 0;
    for (int other = 0; other < b; other++) {
      if (!((other >= '!' && other <= '~') || (other >= 0xA1 && other <= 0xAC) || other >= 0xAE)) {
        shifted++;
      }
    }
    return String.valueOf((char) (256 + shifted));
  }
}
