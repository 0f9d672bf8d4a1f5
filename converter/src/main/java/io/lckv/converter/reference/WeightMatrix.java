package io.lckv.converter.reference;

import io.lckv.converter.checkpoint.DType;
import io.lckv.converter.checkpoint.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.stream.IntStream;

/**
 * A {@code [rows, columns]} weight widened exactly to float32 and kept off-heap (a 1.1B model
 * is 4.4 GB of them; doubles would be twice that). Products are accumulated in double.
 */
final class WeightMatrix {

  /** Below this many multiply-adds the fork/join overhead outweighs the parallel speed-up. */
  private static final long PARALLEL_WORK = 1 << 17;

  private final MemorySegment values;
  private final int rows;
  private final int columns;

  private WeightMatrix(MemorySegment values, int rows, int columns) {
    this.values = values;
    this.rows = rows;
    this.columns = columns;
  }

  /** Shapes were checked against the config by the input side; sizes fit an int there. */
  static WeightMatrix of(Tensor tensor, Arena arena) {
    return new WeightMatrix(
        tensor.toFloat32(arena), (int) tensor.shape().dim(0), (int) tensor.shape().dim(1));
  }

  int rows() {
    return rows;
  }

  /** Row {@code r} upcast to double: an embedding lookup. */
  double[] row(int r) {
    double[] out = new double[columns];
    long base = (long) r * columns;
    for (int k = 0; k < columns; k++) {
      out[k] = values.getAtIndex(DType.FLOAT_LE, base + k);
    }
    return out;
  }

  /** {@code out[t] = W x[t]} for every input vector, parallel over the output rows. */
  double[][] times(double[][] inputs) {
    double[][] out = new double[inputs.length][rows];
    IntStream range = IntStream.range(0, rows);
    if ((long) rows * columns * inputs.length >= PARALLEL_WORK) {
      range = range.parallel();
    }
    range.forEach(r -> rowTimes(r, inputs, out));
    return out;
  }

  /**
   * Each dot product is one left-to-right double sum, so a token's result does not depend on how
   * many tokens share the call. Four tokens at a time reuse each loaded weight and give the CPU
   * four independent sums to overlap.
   */
  private void rowTimes(int r, double[][] x, double[][] out) {
    long base = (long) r * columns;
    int t = 0;
    for (; t + 4 <= x.length; t += 4) {
      double[] x0 = x[t];
      double[] x1 = x[t + 1];
      double[] x2 = x[t + 2];
      double[] x3 = x[t + 3];
      double s0 = 0;
      double s1 = 0;
      double s2 = 0;
      double s3 = 0;
      for (int k = 0; k < columns; k++) {
        double w = values.getAtIndex(DType.FLOAT_LE, base + k);
        s0 += w * x0[k];
        s1 += w * x1[k];
        s2 += w * x2[k];
        s3 += w * x3[k];
      }
      out[t][r] = s0;
      out[t + 1][r] = s1;
      out[t + 2][r] = s2;
      out[t + 3][r] = s3;
    }
    for (; t < x.length; t++) {
      double[] xt = x[t];
      double s = 0;
      for (int k = 0; k < columns; k++) {
        s += values.getAtIndex(DType.FLOAT_LE, base + k) * xt[k];
      }
      out[t][r] = s;
    }
  }
}
