package io.lckv.server;

import java.util.HashMap;
import java.util.Map;

/** One request at a time and no queue: the second concurrent request is turned away. */
public class TinyCapacityProfile extends FakeModelProfile {

  @Override
  public Map<String, String> getConfigOverrides() {
    Map<String, String> config = new HashMap<>(super.getConfigOverrides());
    config.put("lckv.max-batch", "1");
    config.put("lckv.max-waiting", "0");
    return config;
  }
}
