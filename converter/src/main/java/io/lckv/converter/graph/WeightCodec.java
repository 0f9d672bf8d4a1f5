package io.lckv.converter.graph;

import io.lckv.converter.checkpoint.Tensor;

/**
 * Writes checkpoint matrices in one {@link WeightFormat} and the nodes that use them. Each
 * matrix is read, converted and written when first used, so at most one is in memory.
 */
interface WeightCodec {

  /**
   * {@code x · Wᵀ} for a linear weight stored as torch does, {@code [out, in]}; {@code x} is
   * {@code [..., in]}, the result {@code [..., out]} float32.
   */
  String linear(OnnxGraph graph, String x, Tensor weight);

  /** A {@code [rows, cols]} table for token lookups and the output projection. */
  TokenTable table(Tensor weight);

  /** The embedding table and the lm_head use one stored copy when the config ties them. */
  interface TokenTable {

    /** Rows {@code ids} ({@code [B, n]} int64) as float32 {@code [B, n, cols]}. */
    String rows(OnnxGraph graph, String ids);

    /** {@code x · tableᵀ} for {@code x [M, cols]}: {@code [M, rows]} float32. */
    String project(OnnxGraph graph, String x);
  }

  /** {@code int8Accuracy} matters to {@link WeightFormat#INT8} only. */
  static WeightCodec of(WeightFormat format, Int8Accuracy int8Accuracy, WeightWriter writer) {
    return switch (format) {
      case FP32, FP16 -> new FloatCodec(format, writer);
      case INT8 -> new Int8BlockCodec(writer, int8Accuracy);
    };
  }
}
