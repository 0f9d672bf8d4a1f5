package io.lckv.converter.reference;

/** {@code weight * (h / sqrt(mean(h^2) + eps))}, spec §3, in double like the float64 goldens. */
final class RmsNorm {

  private final double[] weight;
  private final double eps;

  RmsNorm(double[] weight, double eps) {
    this.weight = weight;
    this.eps = eps;
  }

  double[][] apply(double[][] rows) {
    double[][] out = new double[rows.length][];
    for (int t = 0; t < rows.length; t++) {
      out[t] = apply(rows[t]);
    }
    return out;
  }

  private double[] apply(double[] h) {
    double sumOfSquares = 0;
    for (double v : h) {
      sumOfSquares += v * v;
    }
    double inverseRms = 1.0 / Math.sqrt(sumOfSquares / h.length + eps);
    double[] out = new double[h.length];
    for (int k = 0; k < h.length; k++) {
      out[k] = weight[k] * (h[k] * inverseRms);
    }
    return out;
  }
}
