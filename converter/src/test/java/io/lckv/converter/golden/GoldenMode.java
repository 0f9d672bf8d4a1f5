package io.lckv.converter.golden;

/** The two pass counts every prompt golden is computed with (spec §4). */
public enum GoldenMode {
  /** P = n when n <= M (or use_sequential), else M. */
  REFERENCE,
  /** P = n. */
  EXACT
}
