package io.lckv.engine.runner;

/** How many passes a cyclic layer group runs over a span of new tokens (spec §4). */
public enum PrefillMode {
  /** P = n: every new token's KV is exact; a span may be split into chunks freely. */
  EXACT,
  /**
   * The authors' code: P = n when n &lt;= M or {@code use_sequential}, else P = M (approximate
   * for n &gt; M). Defined on the whole span, so splitting it would change the numbers.
   */
  REFERENCE
}
