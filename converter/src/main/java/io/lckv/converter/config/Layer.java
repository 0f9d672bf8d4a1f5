package io.lckv.converter.config;

import java.util.OptionalInt;

/**
 * One decoder layer's attention wiring (spec §3).
 *
 * @param index the layer's position, 0-based
 * @param source the KV layer whose keys and values this layer reads ({@code layer_types[i]})
 * @param kvLayer whether this layer computes KV (some layer reads it)
 * @param nodiag whether a query hides its own position: {@code force_nodiag} or {@link #top()}
 * @param window W when the token has {@code s} and {@code sliding_window} is set: keys in
 *     {@code (p - W, p]} count; empty means unwindowed
 */
public record Layer(int index, int source, boolean kvLayer, boolean nodiag, OptionalInt window) {

  /** Reads a higher layer, whose KV for the new tokens is not known yet (spec: top(i)). */
  public boolean top() {
    return source > index;
  }
}
