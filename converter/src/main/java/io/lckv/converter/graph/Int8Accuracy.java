package io.lckv.converter.graph;

import java.util.Arrays;
import java.util.Optional;

/**
 * The lowest precision ONNX Runtime's CPU kernel may compute int8 weights in
 * ({@code MatMulNBits accuracy_level}, {@code --int8-accuracy}). Measured on ORT 1.28, a
 * 2048 × 5632 layer on the 2-core build VM (converter/README.md, {@code Int8MatMulBench}): fp32
 * runs 26× slower than a float32 MatMul at batch 1, since the 8-bit kernel dequantizes the whole
 * matrix on every call; int8 runs 10× faster than float32 at batch 1 and 2× at batch 32, and
 * moves the trained tiny models' perplexity by 0.03 % or less. The CUDA EP ignores the
 * attribute.
 */
public enum Int8Accuracy {
  /** accuracy_level 4: activations quantized to int8 per block, integer dot products. */
  INT8("int8", 4),
  /** accuracy_level 1: float32 activations; exact to the stored weights, slow on CPU. */
  FP32("fp32", 1);

  private final String optionName;
  private final long level;

  Int8Accuracy(String optionName, long level) {
    this.optionName = optionName;
    this.level = level;
  }

  public String optionName() {
    return optionName;
  }

  /** The {@code accuracy_level} attribute. */
  long level() {
    return level;
  }

  public static Optional<Int8Accuracy> fromOptionName(String name) {
    return Arrays.stream(values()).filter(a -> a.optionName.equals(name)).findFirst();
  }
}
