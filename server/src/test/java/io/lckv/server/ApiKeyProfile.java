package io.lckv.server;

import java.util.HashMap;
import java.util.Map;

/** The API behind a key. */
public class ApiKeyProfile extends FakeModelProfile {

  public static final String KEY = "sk-test-key";

  @Override
  public Map<String, String> getConfigOverrides() {
    Map<String, String> config = new HashMap<>(super.getConfigOverrides());
    config.put("lckv.api-key", KEY);
    return config;
  }
}
