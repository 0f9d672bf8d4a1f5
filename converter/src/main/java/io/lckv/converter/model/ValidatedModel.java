package io.lckv.converter.model;

import io.lckv.converter.checkpoint.Checkpoint;
import io.lckv.converter.checkpoint.CheckpointReader;
import io.lckv.converter.config.ConfigReader;
import io.lckv.converter.config.ModelConfig;
import java.nio.file.Path;

/**
 * A checkpoint folder that passed every check: its config, and its tensors bound to their roles.
 * The tensors' bytes are read on demand, so this must stay open while they are used.
 */
public record ValidatedModel(ModelConfig config, ModelWeights weights, Checkpoint checkpoint)
    implements AutoCloseable {

  public static final String CONFIG_FILE = "config.json";

  /** Reads config.json first: a bad config is reported without touching the weights. */
  public static ValidatedModel open(Path folder) {
    ModelConfig config = ConfigReader.read(folder.resolve(CONFIG_FILE));
    Checkpoint checkpoint = CheckpointReader.open(folder);
    try {
      return new ValidatedModel(config, WeightBinder.bind(config, checkpoint), checkpoint);
    } catch (RuntimeException e) {
      checkpoint.close();
      throw e;
    }
  }

  @Override
  public void close() {
    checkpoint.close();
  }
}
