package io.lckv.converter.golden;

/** Largest absolute difference between expected and computed logits; NaN counts as infinite. */
public final class LogitDeviation {

  private LogitDeviation() {}

  public static double max(float[][] expected, float[][] actual) {
    if (expected.length != actual.length) {
      throw new AssertionError(expected.length + " expected rows, " + actual.length + " computed");
    }
    double worst = 0;
    for (int t = 0; t < expected.length; t++) {
      worst = Math.max(worst, max(expected[t], actual[t]));
    }
    return worst;
  }

  public static double max(float[] expected, float[] actual) {
    if (expected.length != actual.length) {
      throw new AssertionError(expected.length + " expected logits, " + actual.length + " computed");
    }
    double worst = 0;
    for (int k = 0; k < expected.length; k++) {
      double d = Math.abs((double) expected[k] - actual[k]);
      if (Double.isNaN(d)) {
        return Double.POSITIVE_INFINITY;
      }
      worst = Math.max(worst, d);
    }
    return worst;
  }

  public static int argmax(float[] row) {
    int best = 0;
    for (int k = 1; k < row.length; k++) {
      if (row[k] > row[best]) {
        best = k;
      }
    }
    return best;
  }
}
