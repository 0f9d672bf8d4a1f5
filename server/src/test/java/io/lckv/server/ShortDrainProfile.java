package io.lckv.server;

import java.util.Map;

/** A drain timeout of 200 ms, and two requests at a time so that a third one queues. */
public class ShortDrainProfile extends FakeModelProfile {

  @Override
  public Map<String, String> getConfigOverrides() {
    return configWith(Map.of("lckv.drain-timeout", "200ms", "lckv.max-batch", "2"));
  }
}
