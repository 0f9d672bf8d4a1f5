package io.lckv.server;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** The production backend on the repository's embedded model, converted into target/. */
public class EmbeddedModelProfile implements QuarkusTestProfile {

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of(
        "lckv.model-path", "../models/lckv-tiny-w2",
        "lckv.model-cache", "target/model-cache",
        "lckv.kv-cache-bytes", String.valueOf(16 << 20),
        "lckv.max-batch", "8");
  }
}
