package io.lckv.server;

import java.util.Map;

/** A model that loads but whose every forward step fails. */
public class BrokenModelProfile extends FakeModelProfile {

  @Override
  public Map<String, String> getConfigOverrides() {
    return configWith(Map.of("fake-model.fail-steps", "true"));
  }
}
