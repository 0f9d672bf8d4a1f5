package io.lckv.engine.model;

import io.lckv.converter.graph.WeightFormat;
import io.lckv.engine.text.HfTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * A model ready to serve: its converted folder, the runner over it and its tokenizer. The model
 * path may be a converted folder or a Hugging Face checkpoint, which is converted once into the
 * cache (see {@link ConversionCache}).
 */
public final class OrtModel implements AutoCloseable {

  /**
   * @param cacheDirectory where checkpoints are converted to
   * @param format weight format of a conversion (a converted folder keeps its own)
   * @param runner session and pool settings
   */
  public record Options(Path cacheDirectory, WeightFormat format, RunnerOptions runner) {}

  private final ModelFolder folder;
  private final OrtModelRunner runner;
  private final HfTokenizer tokenizer;

  private OrtModel(ModelFolder folder, OrtModelRunner runner, HfTokenizer tokenizer) {
    this.folder = folder;
    this.runner = runner;
    this.tokenizer = tokenizer;
  }

  /** Resolves, converts if needed, and opens {@code modelPath}; progress lines go to {@code log}. */
  public static OrtModel open(Path modelPath, Options options, PrintStream log) {
    ModelFolder folder =
        new ConversionCache(options.cacheDirectory()).resolve(modelPath, options.format(), log);
    Path tokenizerFile = folder.tokenizerFile().orElseThrow(() -> new ModelLoadException(
        modelPath + ": no tokenizer.json (serving needs the model's Hugging Face tokenizer)"));
    HfTokenizer tokenizer;
    try {
      tokenizer = HfTokenizer.load(tokenizerFile);
    } catch (IOException | RuntimeException e) {
      throw new ModelLoadException(tokenizerFile + ": cannot load the tokenizer: "
          + e.getMessage(), e);
    }
    try {
      return new OrtModel(folder, OrtModelRunner.open(folder, options.runner(), log), tokenizer);
    } catch (RuntimeException e) {
      tokenizer.close();
      throw e;
    }
  }

  public ModelFolder folder() {
    return folder;
  }

  public OrtModelRunner runner() {
    return runner;
  }

  public HfTokenizer tokenizer() {
    return tokenizer;
  }

  @Override
  public void close() {
    try {
      runner.close();
    } finally {
      tokenizer.close();
    }
  }
}
