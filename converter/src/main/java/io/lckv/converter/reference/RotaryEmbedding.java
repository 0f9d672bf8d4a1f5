package io.lckv.converter.reference;

import io.lckv.converter.config.RopeScaling;

/**
 * Rotate-half RoPE (spec §3). The frequencies and the angles {@code position * frequency} are
 * float32 results of the same operations, in the same order, as Hugging Face's Llama code (and
 * the Python reference's {@code rope.py}); only cos and sin of those angles are taken in double.
 * Float64 angles would drift by ~1e-4 rad near position 2000.
 */
final class RotaryEmbedding {

  /** Multiplying by it is how torch evaluates {@code 2 * math.pi / tensor} in float32. */
  private static final float TWO_PI = (float) (2 * Math.PI);

  private final float[] inverseFrequencies;

  RotaryEmbedding(int headDim, double theta, RopeScaling scaling) {
    this.inverseFrequencies = inverseFrequencies(headDim, theta, scaling);
  }

  /**
   * {@code 1 / theta^(2j / headDim)} for j below headDim/2, then scaled. Torch casts the Python
   * scalars (theta, factors) to float32 before each float32 operation, and evaluates
   * {@code scalar / tensor} as {@code tensor.reciprocal() * scalar}; both are mirrored here.
   *
   * <p>The power is the correctly rounded float32 one, as glibc's powf and torch's scalar path
   * give it. Torch's vectorised CPU pow is within one ulp but not always correctly rounded (e.g.
   * theta 1e6, head_dim 128, j = 37), and which elements it handles depends on the CPU's vector
   * width, so its last bit is no fixed target; one ulp moves an angle by under 4e-6 rad at
   * position 131072.
   */
  static float[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
    float[] base = new float[headDim / 2];
    for (int j = 0; j < base.length; j++) {
      float exponent = (float) (2 * j) / (float) headDim;
      base[j] = 1.0f / (float) Math.pow((float) theta, exponent);
    }
    return switch (scaling) {
      case RopeScaling.None none -> base;
      case RopeScaling.Linear linear -> divided(base, (float) linear.factor());
      case RopeScaling.Llama3 llama3 -> llama3(base, llama3);
    };
  }

  private static float[] divided(float[] frequencies, float factor) {
    float[] out = new float[frequencies.length];
    for (int j = 0; j < out.length; j++) {
      out[j] = frequencies[j] / factor;
    }
    return out;
  }

  /**
   * Wavelengths shorter than original/high_freq_factor keep their frequency, those longer than
   * original/low_freq_factor are slowed by {@code factor}, and those in between are blended.
   */
  private static float[] llama3(float[] frequencies, RopeScaling.Llama3 s) {
    float factor = (float) s.factor();
    float low = (float) s.lowFreqFactor();
    float original = s.originalMaxPositionEmbeddings();
    float longestKept = (float) (s.originalMaxPositionEmbeddings() / s.highFreqFactor());
    float shortestSlowed = (float) (s.originalMaxPositionEmbeddings() / s.lowFreqFactor());
    float bandWidth = (float) (s.highFreqFactor() - s.lowFreqFactor());
    float[] out = new float[frequencies.length];
    for (int j = 0; j < out.length; j++) {
      float frequency = frequencies[j];
      float wavelength = (1.0f / frequency) * TWO_PI;
      float slowed = wavelength > shortestSlowed ? frequency / factor : frequency;
      float blend = ((1.0f / wavelength) * original - low) / bandWidth;
      float blended = (1 - blend) * slowed / factor + blend * slowed;
      boolean between = !(wavelength < longestKept) && !(wavelength > shortestSlowed);
      out[j] = between ? blended : slowed;
    }
    return out;
  }

  /** The rotation of every head at {@code position} (an index within the kept cache). */
  Rotation at(int position) {
    double[] cos = new double[inverseFrequencies.length];
    double[] sin = new double[inverseFrequencies.length];
    for (int j = 0; j < cos.length; j++) {
      float angle = (float) position * inverseFrequencies[j];
      cos[j] = Math.cos(angle);
      sin[j] = Math.sin(angle);
    }
    return new Rotation(cos, sin);
  }

  /** cos and sin of the angles of one position, one per channel pair. */
  static final class Rotation {

    private final double[] cos;
    private final double[] sin;

    private Rotation(double[] cos, double[] sin) {
      this.cos = cos;
      this.sin = sin;
    }

    /**
     * Rotates {@code vector} (heads of {@code 2 * cos.length} channels, back to back): channel j
     * pairs with channel j + half, Hugging Face's rotate-half convention.
     */
    double[] applied(double[] vector) {
      int half = cos.length;
      double[] out = new double[vector.length];
      for (int head = 0; head < vector.length; head += 2 * half) {
        for (int j = 0; j < half; j++) {
          double a = vector[head + j];
          double b = vector[head + j + half];
          out[head + j] = a * cos[j] - b * sin[j];
          out[head + j + half] = b * cos[j] + a * sin[j];
        }
      }
      return out;
    }
  }
}
