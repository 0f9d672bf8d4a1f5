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

  private static final long TILE = 64;

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
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment source = weight.toFloat32(arena);
      MemorySegment target = arena.allocate(in * out * elementBytes(), 8);
      // In square tiles, so both the rows read and the rows written stay in cache: a plain
      // row-by-row transpose of a large matrix misses cache on every write.
      for (long o0 = 0; o0 < out; o0 += TILE) {
        for (long i0 = 0; i0 < in; i0 += TILE) {
          long oEnd = Math.min(o0 + TILE, out);
          long iEnd = Math.min(i0 + TILE, in);
          for (long o = o0; o < oEnd; o++) {
            for (long i = i0; i < iEnd; i++) {
              put(weight, target, i * out + o, source.getAtIndex(DType.FLOAT_LE, o * in + i));
            }
          }
        }
      }
      stored = writer.store(weight.name(), type(), new long[] {in, out}, target);
    }
    writer.done(weight);
    return graph.matMul(x, asFloat32(stored));
  }

  @Override
  public TokenTable table(Tensor weight) {
    String stored;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment source = weight.toFloat32(arena);
      MemorySegment target = source;
      if (half) {
        target = arena.allocate(weight.elementCount() * 2, 8);
        for (long e = 0; e < weight.elementCount(); e++) {
          put(weight, target, e, source.getAtIndex(DType.FLOAT_LE, e));
        }
      }
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

  private void put(Tensor weight, MemorySegment target, long index, float value) {
    if (!half) {
      target.setAtIndex(DType.FLOAT_LE, index, value);
      return;
    }
    short bits = Float.floatToFloat16(value);
    if (Float.isInfinite(Float.float16ToFloat(bits)) && Float.isFinite(value)) {
      throw new CheckpointException(weight.file(), "tensor "
          + CheckpointException.quote(weight.name()) + " holds " + value
          + ", beyond float16's range (65504): convert with --dtype fp32 or int8");
    }
    target.setAtIndex(HALF_LE, index, bits);
  }
}
