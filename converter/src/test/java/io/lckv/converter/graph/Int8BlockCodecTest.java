package io.lckv.converter.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lckv.converter.checkpoint.Checkpoint;
import io.lckv.converter.fixtures.TestTensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import onnx.Onnx.TensorProto.DataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Int8BlockCodecTest {

  @TempDir Path tmp;

  @Test
  void blocksArePowersOfTwoFrom16To128() {
    assertEquals(16, Int8BlockCodec.blockSize(1));
    assertEquals(16, Int8BlockCodec.blockSize(16));
    assertEquals(64, Int8BlockCodec.blockSize(64));
    assertEquals(128, Int8BlockCodec.blockSize(65));
    assertEquals(128, Int8BlockCodec.blockSize(5632));
  }

  /** K = 172: two blocks of 128, the second padded; the same shape as the fixtures' down_proj. */
  @Test
  void linearMatchesTheDequantizedWeight() throws Exception {
    TestTensor w = CodecGraph.weight("w", 24, 172, 1);
    float[] x = gaussian(new Random(2), 3 * 172);
    try (Checkpoint checkpoint = CodecGraph.checkpoint(tmp.resolve("ckpt"), List.of(w))) {
      float[] out = CodecGraph.run(tmp.resolve("model"), WeightFormat.INT8, DataType.FLOAT, x,
          new long[] {1, 3, 172},
          (graph, codec) -> codec.linear(graph, "input", CodecGraph.tensor(checkpoint, "w")));
      assertArrayEquals(times(x, 3, Int8Blocks.dequantized(w)), out, 2e-5f);
    }
  }

  @Test
  void tableRowsAndProjectionShareOneQuantizedCopy() throws Exception {
    TestTensor table = CodecGraph.weight("table", 10, 40, 3);
    float[] deq = Int8Blocks.dequantized(table);
    try (Checkpoint checkpoint = CodecGraph.checkpoint(tmp.resolve("ckpt"), List.of(table))) {
      float[] rows = CodecGraph.run(tmp.resolve("rows"), WeightFormat.INT8, DataType.INT64,
          new long[] {7, 0, 7, 3}, new long[] {2, 2},
          (graph, codec) -> codec.table(CodecGraph.tensor(checkpoint, "table"))
              .rows(graph, "input"));
      float[] expected = new float[4 * 40];
      long[] ids = {7, 0, 7, 3};
      for (int i = 0; i < ids.length; i++) {
        System.arraycopy(deq, (int) ids[i] * 40, expected, i * 40, 40);
      }
      assertArrayEquals(expected, rows, 1e-6f);

      float[] x = gaussian(new Random(4), 2 * 40);
      float[] logits = CodecGraph.run(tmp.resolve("project"), WeightFormat.INT8, DataType.FLOAT,
          x, new long[] {1, 2, 40},
          (graph, codec) -> codec.table(CodecGraph.tensor(checkpoint, "table"))
              .project(graph, "input"));
      assertArrayEquals(times(x, 2, deq), logits, 2e-5f);
    }
  }

  /** {@code x [m, k] · wᵀ} for {@code w [n, k]}, in double. */
  static float[] times(float[] x, int m, float[] w) {
    int k = x.length / m;
    int n = w.length / k;
    float[] out = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double sum = 0;
        for (int c = 0; c < k; c++) {
          sum += (double) x[i * k + c] * w[j * k + c];
        }
        out[i * n + j] = (float) sum;
      }
    }
    return out;
  }

  static float[] gaussian(Random random, int count) {
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }
}
