package io.lckv.nativeops;

/** Storage type of a pool's keys and values; the ops accumulate in float32 whatever it is. */
public enum PoolDtype {
  F32(0),
  F16(1),
  BF16(2);

  /** The LCKV_DTYPE_* value of lckv_pool.h. */
  final int code;

  PoolDtype(int code) {
    this.code = code;
  }

  static PoolDtype ofCode(long code) {
    for (PoolDtype d : values()) {
      if (d.code == code) {
        return d;
      }
    }
    throw new IllegalStateException("the op library reported unknown dtype code " + code);
  }
}
