package io.lckv.server;

import java.util.Map;

/** A drain timeout no test reaches: the drain ends when the requests do. */
public class DrainProfile extends FakeModelProfile {

  @Override
  public Map<String, String> getConfigOverrides() {
    return configWith(Map.of("lckv.drain-timeout", "1h"));
  }
}
