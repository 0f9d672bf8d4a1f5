package io.lckv.converter.graph;

import java.util.Arrays;
import java.util.Optional;

/**
 * How the converted model stores its weights ({@code --dtype}). Activations are float32 in every
 * format; see {@link WeightCodec} for what each costs at run time.
 */
public enum WeightFormat {
  /** As the reference computes: the checkpoint's values widened exactly to float32. */
  FP32("fp32"),
  /** Stored float16 (half the file), widened to float32 when ORT loads the session. */
  FP16("fp16"),
  /** Weight-only int8 in blocks along the input dimension, float32 activations. */
  INT8("int8");

  private final String optionName;

  WeightFormat(String optionName) {
    this.optionName = optionName;
  }

  /** The value of {@code --dtype} and of the runtime config's weight dtype. */
  public String optionName() {
    return optionName;
  }

  public static Optional<WeightFormat> fromOptionName(String name) {
    return Arrays.stream(values()).filter(f -> f.optionName.equals(name)).findFirst();
  }
}
