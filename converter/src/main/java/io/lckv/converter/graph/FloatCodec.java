package io.lckv.converter.graph;

import io.lckv.converter.CheckpointException;
import io.lckv.converter.checkpoint.DType;
import io.lckv.converter.checkpoint.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import onnx.Onnx.TensorProto;

/**
 * float32 or float16 weights. Linear weights are transposed once here to {@code [in, out]} so
 * that a plain MatMul reads them; token tables keep {@code [rows, cols]}, which Gather needs and
 * Gemm reads transposed for free ({@code transB}), so a tied lm_head costs no second copy on disk.
 *
 * <p>float16 weights reach float32 MatMuls through Cast nodes in the main graph. ORT folds a Cast
 * of an initializer at session creation, so the CPU EP (which has no float16 GEMM on x86) runs
 * float32 GEMMs on the float16-rounded weights: the file is halved, memory at run time is not.
 * The same graph runs under CUDA the same way; float16 compute there would need float16
 * activations end to end, a different graph.
 */
final class FloatCodec implements WeightCodec {

  private static final ValueLayout.OfShort HALF_LE =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private static final int TILE = 64;

  private final boolean half;
  private final WeightWriter writer;

  FloatCodec(WeightFormat format, WeightWriter writer) {
    this.half = format == WeightFormat.FP16;
    this.writer = writer;
  }

  @Override
  public String linear(OnnxGraph graph, String x, Tensor weight) {
    long out = weight.shape().dim(0);
    long in = weight.shape().dim(1);
    String stored;
    try (Arena arena = Arena.ofShared()) {
      MemorySegment source = weight.raw(arena);
      MemorySegment target = writer.output(in * out * elementBytes());
      writer.forRows(out, in, TILE,
          (first, end, scratch) -> transposeRows(weight, source, target, first, end, scratch));
      stored = writer.store(weight.name(), type(), new long[] {in, out}, target);
    }
    writer.done(weight);
    return graph.matMul(x, asFloat32(stored));
  }

  /**
   * Source rows {@code first … end − 1} ({@code [out, in]}) become columns of the {@code [in, out]}
   * target, in square tiles so that both the rows read and the rows written stay in cache (a
   * plain row-by-row transpose of a large matrix misses cache on every write). The rows are
   * widened into an array first and each tile is written out row by row with bulk copies.
   */
  private void transposeRows(Tensor weight, MemorySegment source, MemorySegment target,
      long first, long end, ParallelLoop.Scratch scratch) {
    long out = weight.shape().dim(0);
    int in = (int) weight.shape().dim(1);
    int rows = (int) (end - first);
    float[] band = scratch.floats(0, rows * in);
    weight.dtype().toFloat32(source, first * in, band, 0, rows * in);
    float[] tile = scratch.floats(1, TILE * TILE);
    short[] halves = scratch.shorts(TILE * TILE);
    for (int r0 = 0; r0 < rows; r0 += TILE) {
      int height = Math.min(TILE, rows - r0);
      for (int c0 = 0; c0 < in; c0 += TILE) {
        int width = Math.min(TILE, in - c0);
        for (int r = 0; r < height; r++) {
          for (int c = 0; c < width; c++) {
            tile[c * height + r] = band[(r0 + r) * in + c0 + c];
          }
        }
        if (half) {
          for (int e = 0; e < width * height; e++) {
            halves[e] = toHalf(weight, tile[e]);
          }
        }
        for (int c = 0; c < width; c++) {
          long at = (c0 + c) * out + first + r0;
          if (half) {
            MemorySegment.copy(halves, c * height, target, HALF_LE, at * 2, height);
          } else {
            MemorySegment.copy(tile, c * height, target, DType.FLOAT_LE, at * 4, height);
          }
        }
      }
    }
  }

  @Override
  public TokenTable table(Tensor weight) {
    long rows = weight.shape().dim(0);
    long cols = weight.shape().dim(1);
    String stored;
    try (Arena arena = Arena.ofShared()) {
      MemorySegment source = weight.raw(arena);
      MemorySegment target = writer.output(rows * cols * elementBytes());
      writer.forRows(rows, cols, 1, (first, end, scratch) -> {
        int count = (int) ((end - first) * cols);
        float[] values = scratch.floats(0, count);
        weight.dtype().toFloat32(source, first * cols, values, 0, count);
        if (half) {
          short[] halves = scratch.shorts(count);
          for (int e = 0; e < count; e++) {
            halves[e] = toHalf(weight, values[e]);
          }
          MemorySegment.copy(halves, 0, target, HALF_LE, first * cols * 2, count);
        } else {
          MemorySegment.copy(values, 0, target, DType.FLOAT_LE, first * cols * 4, count);
        }
      });
      stored = writer.store(weight.name(), type(), weight.shape().dims(), target);
    }
    writer.done(weight);
    return new TokenTable() {
      private String float32;

      @Override
      public String rows(OnnxGraph graph, String ids) {
        String rows = graph.gather(stored, ids, 0);
        return half ? graph.cast(rows, TensorProto.DataType.FLOAT) : rows;
      }

      @Override
      public String project(OnnxGraph graph, String x) {
        if (float32 == null) {
          float32 = asFloat32(stored);
        }
        return graph.node("Gemm").in(x, float32).attr("transB", 1L).out();
      }
    };
  }

  private String asFloat32(String stored) {
    return half ? writer.main().cast(stored, TensorProto.DataType.FLOAT) : stored;
  }

  private TensorProto.DataType type() {
    return half ? TensorProto.DataType.FLOAT16 : TensorProto.DataType.FLOAT;
  }

  private int elementBytes() {
    return half ? 2 : 4;
  }

  /** Rounds to float16; a finite value that rounds to infinity cannot be stored. */
  private static short toHalf(Tensor weight, float value) {
    short bits = Float.floatToFloat16(value);
    if ((bits & 0x7fff) == 0x7c00 && Float.isFinite(value)) {
      throw new CheckpointException(weight.file(), "tensor "
          + CheckpointException.quote(weight.name()) + " holds " + value
          + ", beyond float16's range (65504): convert with --dtype fp32 or int8");
    }
    return bits;
  }
}
