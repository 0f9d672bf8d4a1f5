package io.lckv.server;

import java.util.Map;

/** One request at a time and no queue: the second concurrent request is turned away. */
public class TinyCapacityProfile extends FakeModelProfile {

  @Override
  public Map<String, String> getConfigOverrides() {
    return configWith(Map.of("lckv.max-batch", "1", "lckv.max-waiting", "0"));
  }
}
