package io.lckv.server;

import java.util.Map;

/** The API behind a key. */
public class ApiKeyProfile extends FakeModelProfile {

  public static final String KEY = "sk-test-key";

  @Override
  public Map<String, String> getConfigOverrides() {
    return configWith(Map.of("lckv.api-key", KEY));
  }
}
