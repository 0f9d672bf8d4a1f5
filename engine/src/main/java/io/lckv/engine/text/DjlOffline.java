package io.lckv.engine.text;

import ai.djl.util.Utils;

/**
 * Keeps DJL off the network. Without offline mode DJL pings EC2 instance metadata for telemetry
 * when a tokenizer is created, and on a machine with a supported CUDA GPU it downloads a CUDA build
 * of libtokenizers instead of unpacking the CPU build bundled in the jar. Offline mode turns off
 * both. DJL reads an environment variable before the system property, so a {@code DJL_OFFLINE=false}
 * environment would win; that is refused rather than ignored.
 */
final class DjlOffline {

  private DjlOffline() {}

  static synchronized void enable() {
    System.setProperty("ai.djl.offline", "true");
    if (!Utils.isOfflineMode()) {
      throw new IllegalStateException(
          "DJL_OFFLINE=" + System.getenv("DJL_OFFLINE")
              + " in the environment lets DJL download at run time; unset it");
    }
  }
}
