package io.lckv.nativeops;

/**
 * Keys and values of consecutive slots of one KV layer, float32 {@code [count, KvH, D]} each;
 * keys are stored after rope.
 */
public record KvSlots(float[] keys, float[] values) {

  public KvSlots {
    if (keys.length != values.length) {
      throw new IllegalArgumentException(
          keys.length + " key floats but " + values.length + " value floats");
    }
  }
}
