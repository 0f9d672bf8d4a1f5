package io.lckv.server.model;

/** Where the model runs; config values {@code cpu} and {@code cuda}. */
public enum Device {
  CPU,
  CUDA
}
