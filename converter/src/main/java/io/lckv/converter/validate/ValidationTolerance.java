package io.lckv.converter.validate;

import io.lckv.converter.graph.Int8Accuracy;
import io.lckv.converter.graph.WeightFormat;

/**
 * How far the exported model's logits may lie from the reference evaluator's, which computes in
 * float64 from the checkpoint's own weights. fp32 is a correctness bound (float32 against
 * float64 arithmetic). fp16 and int8 also carry the rounding of the stored weights; their bounds
 * are what the golden fixtures measured with margin (fp16 1.8e-2, int8 1.3 with float32
 * activations and 2.7 with int8 ones, on random weights with |logit| < 16; bf16 and f16
 * checkpoints convert to fp16 losslessly), so they catch a broken graph, not a lossy checkpoint:
 * read the greedy agreement and the figures for that.
 */
public final class ValidationTolerance {

  private ValidationTolerance() {}

  public static double of(WeightFormat format, Int8Accuracy int8Accuracy) {
    return switch (format) {
      case FP32 -> 1e-4;
      case FP16 -> 5e-2;
      case INT8 -> switch (int8Accuracy) {
        case FP32 -> 2.0;
        case INT8 -> 4.0;
      };
    };
  }
}
