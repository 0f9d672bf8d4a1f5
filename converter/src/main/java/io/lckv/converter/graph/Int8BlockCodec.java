package io.lckv.converter.graph;

import io.lckv.converter.checkpoint.DType;
import io.lckv.converter.checkpoint.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import onnx.Onnx.TensorProto;

/**
 * Weight-only int8: every matrix row (output channel) is cut into blocks of {@link #blockSize}
 * inputs, each with its own float32 scale, symmetric (zero point 128 in MatMulNBits' unsigned
 * storage), rounded to nearest, ties to even. Linear layers and the lm_head run as com.microsoft {@code MatMulNBits} with
 * {@code bits = 8}, which ORT's CPU and CUDA EPs run on the packed bytes.
 *
 * <p>{@code accuracy_level} is the {@link Int8Accuracy} asked for: 4 (the default) lets the CPU
 * kernel quantize the activations to int8 too, 1 keeps them float32. Why not DequantizeLinear +
 * MatMul: ORT 1.28's CPU EP rewrites that pair into MatMulNBits with re-cut blocks of 32 and
 * accuracy level 4 whatever was wanted (measured on a 64×48 layer: errors of 0.1 where
 * MatMulNBits at level 1 gives 1e-5). Why blocks and not one scale per row:
 * MatMulNBits blocks are powers of two of at least 16, so a whole row of a dimension such as
 * 5632 would be padded to 8192; blocks of 128 pad at most 127 values per row and cost 4 bytes
 * of scale per 128 weights (3 %), with smaller rounding errors than one scale per row.
 */
final class Int8BlockCodec implements WeightCodec {

  private static final int MAX_BLOCK = 128;
  private static final int ZERO_POINT = 128;

  private final WeightWriter writer;
  private final Int8Accuracy accuracy;

  Int8BlockCodec(WeightWriter writer, Int8Accuracy accuracy) {
    this.writer = writer;
    this.accuracy = accuracy;
  }

  /** A stored matrix: uint8 {@code [rows, blocks, blockSize]} and scales {@code [rows*blocks]}. */
  private record Quantized(String bytes, String scales, long rows, long cols, int blockSize,
      long blocks) {}

  /** Power of two, 16 … 128: the whole row when it is shorter than a block. */
  static int blockSize(long cols) {
    int size = 16;
    while (size < cols && size < MAX_BLOCK) {
      size *= 2;
    }
    return size;
  }

  @Override
  public String linear(OnnxGraph graph, String x, Tensor weight) {
    return matMulNBits(graph, x, quantize(weight));
  }

  @Override
  public TokenTable table(Tensor weight) {
    Quantized table = quantize(weight);
    return new TokenTable() {
      @Override
      public String rows(OnnxGraph graph, String ids) {
        OnnxGraph main = writer.main();
        String scales = main.reshape(table.scales(), table.rows(), table.blocks(), 1);
        String codes = graph.cast(graph.gather(table.bytes(), ids, 0), TensorProto.DataType.FLOAT);
        String centered = graph.sub(codes, graph.model().float32Scalar(ZERO_POINT));
        String values = graph.mul(centered, graph.gather(scales, ids, 0));
        String padded = graph.reshape(values, 0, 0, table.blocks() * table.blockSize());
        return graph.slice(padded, graph.int64s(0), graph.int64s(table.cols()), 2);
      }

      @Override
      public String project(OnnxGraph graph, String x) {
        return matMulNBits(graph, x, table);
      }
    };
  }

  private String matMulNBits(OnnxGraph graph, String x, Quantized w) {
    return graph.node("MatMulNBits").domain("com.microsoft")
        .in(x, w.bytes(), w.scales())
        .attr("K", w.cols())
        .attr("N", w.rows())
        .attr("bits", 8L)
        .attr("block_size", (long) w.blockSize())
        .attr("accuracy_level", accuracy.level())
        .out();
  }

  private Quantized quantize(Tensor weight) {
    long rows = weight.shape().dim(0);
    long cols = weight.shape().dim(1);
    int size = blockSize(cols);
    long blocks = (cols + size - 1) / size;
    long codesBytes = rows * blocks * size;
    String bytesName;
    String scalesName;
    try (Arena arena = Arena.ofShared()) {
      MemorySegment source = weight.raw(arena);
      // One buffer, codes then scales: codesBytes is a multiple of 16, so the scales are aligned.
      MemorySegment output = writer.output(codesBytes + rows * blocks * 4);
      MemorySegment codes = output.asSlice(0, codesBytes);
      MemorySegment scales = output.asSlice(codesBytes);
      writer.forRows(rows, cols, 1,
          (first, end, scratch) ->
              quantizeRows(weight, source, codes, scales, first, end, size, scratch));
      bytesName = writer.store(weight.name(), TensorProto.DataType.UINT8,
          new long[] {rows, blocks, size}, codes);
      scalesName = writer.store(weight.name() + ".scales", TensorProto.DataType.FLOAT,
          new long[] {rows * blocks}, scales);
    }
    writer.done(weight);
    return new Quantized(bytesName, scalesName, rows, cols, size, blocks);
  }

  /** Rows {@code first … end − 1}: their codes (padding at the zero point) and scales. */
  private static void quantizeRows(Tensor weight, MemorySegment source, MemorySegment codes,
      MemorySegment scales, long first, long end, int size, ParallelLoop.Scratch scratch) {
    int cols = (int) weight.shape().dim(1);
    int blocks = (cols + size - 1) / size;
    int rows = (int) (end - first);
    float[] values = scratch.floats(0, rows * cols);
    weight.dtype().toFloat32(source, first * cols, values, 0, rows * cols);
    int codeCount = rows * blocks * size;
    byte[] rowCodes = scratch.bytes(codeCount);
    float[] rowScales = scratch.floats(1, rows * blocks);
    Arrays.fill(rowCodes, 0, codeCount, (byte) ZERO_POINT);
    for (int r = 0; r < rows; r++) {
      for (int b = 0; b < blocks; b++) {
        int from = r * cols + b * size;
        int count = Math.min(size, cols - b * size);
        float max = 0;
        for (int c = 0; c < count; c++) {
          max = Math.max(max, Math.abs(values[from + c]));
        }
        float scale = max / 127f;
        rowScales[r * blocks + b] = scale;
        if (scale == 0) {
          continue;
        }
        int target = (r * blocks + b) * size;
        for (int c = 0; c < count; c++) {
          // Ties to even, as torch.round and ORT's quantizers: bf16 weights tie often.
          int q = (int) Math.clamp(Math.rint(values[from + c] / scale), -127, 127);
          rowCodes[target + c] = (byte) (q + ZERO_POINT);
        }
      }
    }
    MemorySegment.copy(rowCodes, 0, codes, ValueLayout.JAVA_BYTE, first * blocks * size,
        codeCount);
    MemorySegment.copy(rowScales, 0, scales, DType.FLOAT_LE, first * blocks * 4, rows * blocks);
  }
}
