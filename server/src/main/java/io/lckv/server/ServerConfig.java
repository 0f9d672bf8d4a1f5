package io.lckv.server;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;

/** Service settings under {@code lckv.*}; each key can be set by env var (LCKV_MODEL_PATH, ...). */
@ConfigMapping(prefix = "lckv")
public interface ServerConfig {

  /** Model folder to serve; the default is the tiny model embedded in the repository. */
  @WithDefault("models/lckv-tiny-w2")
  Path modelPath();
}
