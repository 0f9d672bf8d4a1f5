package io.lckv.server;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.file.Path;
import java.util.Map;

/**
 * The production backend on the repository's embedded model, converted into a cache folder of
 * this test run's own under target/, so the tests see what this build converts.
 */
public class EmbeddedModelProfile implements QuarkusTestProfile {

  public static final Path MODEL_CACHE =
      Path.of("target", "model-cache-" + ProcessHandle.current().pid());

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of(
        "lckv.model-path", "../models/lckv-tiny-w2",
        "lckv.model-cache", MODEL_CACHE.toString(),
        "lckv.kv-cache-bytes", String.valueOf(16 << 20),
        "lckv.max-batch", "8");
  }
}
