package io.lckv.server;

import java.util.HashMap;
import java.util.Map;

/** A drain timeout no test reaches: the drain ends when the requests do. */
public class DrainProfile extends FakeModelProfile {

  @Override
  public Map<String, String> getConfigOverrides() {
    Map<String, String> config = new HashMap<>(super.getConfigOverrides());
    config.put("lckv.drain-timeout", "1h");
    return config;
  }
}
