package io.lckv.server;

import java.util.HashMap;
import java.util.Map;

/** A drain timeout of 200 ms, and two requests at a time so that a third one queues. */
public class ShortDrainProfile extends FakeModelProfile {

  @Override
  public Map<String, String> getConfigOverrides() {
    Map<String, String> config = new HashMap<>(super.getConfigOverrides());
    config.put("lckv.drain-timeout", "200ms");
    config.put("lckv.max-batch", "2");
    return config;
  }
}
