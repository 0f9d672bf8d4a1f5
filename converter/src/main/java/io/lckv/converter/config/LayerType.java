package io.lckv.converter.config;

/**
 * One token of {@code layer_types}: the layer whose KV this layer reads, and whether the token
 * carried the {@code s} (sliding window) suffix.
 */
public record LayerType(int source, boolean windowed) {

  public LayerType {
    if (source < 0) {
      throw new IllegalArgumentException("negative source layer " + source);
    }
  }
}
