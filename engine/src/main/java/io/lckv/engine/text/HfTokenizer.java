package io.lckv.engine.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.LibUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** A Hugging Face {@code tokenizer.json} run by the Rust tokenizers library through DJL. */
public final class HfTokenizer implements Tokenizer {

  /**
   * DJL truncates to 512 tokens and pads unless told otherwise; the engine wants neither, it
   * checks prompt lengths against the model itself.
   */
  private static final Map<String, String> OPTIONS =
      Map.of("truncation", "false", "padding", "false");

  private final HuggingFaceTokenizer tokenizer;

  private HfTokenizer(HuggingFaceTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** Loads {@code tokenizer.json} (or the one inside a model folder) without network access. */
  public static HfTokenizer load(Path tokenizerJson) throws IOException {
    DjlOffline.enable();
    return new HfTokenizer(HuggingFaceTokenizer.newInstance(tokenizerJson, OPTIONS));
  }

  /** Unpacks and loads the Rust tokenizers library, offline, ahead of the first tokenizer. */
  public static void loadLibrary() {
    DjlOffline.enable();
    LibUtils.checkStatus();
  }

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    long[] ids = tokenizer.encode(text, addSpecialTokens, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  @Override
  public String decode(int[] tokenIds) {
    long[] ids = new long[tokenIds.length];
    for (int i = 0; i < tokenIds.length; i++) {
      ids[i] = tokenIds[i];
    }
    return tokenizer.decode(ids, true);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
