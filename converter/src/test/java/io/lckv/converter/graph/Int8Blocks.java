package io.lckv.converter.graph;

import io.lckv.converter.fixtures.TestTensor;

/** The int8 format's rounding, written independently of {@link Int8BlockCodec} for tests. */
public final class Int8Blocks {

  private Int8Blocks() {}

  /**
   * {@code w [rows, cols]} as stored and read back: per row, blocks of the codec's size along the
   * columns, scale = max|w| / 127 per block, values rounded to nearest, ties to even.
   */
  public static float[] dequantized(TestTensor w) {
    int rows = (int) w.shape()[0];
    int cols = (int) w.shape()[1];
    int size = Int8BlockCodec.blockSize(cols);
    float[] out = new float[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int start = 0; start < cols; start += size) {
        int end = Math.min(cols, start + size);
        float max = 0;
        for (int c = start; c < end; c++) {
          max = Math.max(max, Math.abs(w.values()[r * cols + c]));
        }
        float scale = max / 127f;
        for (int c = start; c < end; c++) {
          out[r * cols + c] = (float) Math.rint(w.values()[r * cols + c] / scale) * scale;
        }
      }
    }
    return out;
  }
}
