package io.lckv.server;

import java.util.HashMap;
import java.util.Map;

/** A model that loads but whose every forward step fails. */
public class BrokenModelProfile extends FakeModelProfile {

  @Override
  public Map<String, String> getConfigOverrides() {
    Map<String, String> config = new HashMap<>(super.getConfigOverrides());
    config.put("fake-model.fail-steps", "true");
    return config;
  }
}
