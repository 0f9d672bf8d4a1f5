package io.lckv.server;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** The production wiring pointed at a folder that does not exist: it can never be ready. */
public class NoModelProfile implements QuarkusTestProfile {

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of("lckv.model-path", "target/no-such-model");
  }
}
