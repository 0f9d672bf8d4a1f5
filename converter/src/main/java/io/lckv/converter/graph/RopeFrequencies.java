package io.lckv.converter.graph;

import io.lckv.converter.config.ModelConfig;
import io.lckv.converter.config.RopeScaling;

/**
 * RoPE's {@code inv_freq} after rope scaling as Hugging Face (and the reference's rope.py)
 * computes it in float32: every step below is one float32 operation of theirs, in their order.
 * Where torch divides a Python number by a tensor it multiplies by the reciprocal, so that is what
 * happens here too. The one step that is not bit for bit is {@code pow}: this is the correctly
 * rounded value, torch's float32 {@code pow} is one ulp off in one frequency for some (theta,
 * head_dim) pairs (converter/reference/README.md lists those found).
 */
public final class RopeFrequencies {

  private RopeFrequencies() {}

  /** {@code head_dim / 2} frequencies: channel pair (c, c + head_dim/2) turns by position × f[c]. */
  public static float[] of(ModelConfig config) {
    int dim = config.dimensions().headDim();
    float theta = (float) config.ropeTheta();
    float[] base = new float[dim / 2];
    for (int c = 0; c < base.length; c++) {
      float exponent = (float) (2 * c) / (float) dim;
      float power = (float) Math.pow(theta, exponent);
      base[c] = 1f / power;
    }
    return switch (config.ropeScaling()) {
      case RopeScaling.None none -> base;
      case RopeScaling.Linear linear -> divided(base, (float) linear.factor());
      case RopeScaling.Llama3 llama3 -> llama3(base, llama3);
    };
  }

  private static float[] divided(float[] freq, float factor) {
    float[] out = new float[freq.length];
    for (int c = 0; c < freq.length; c++) {
      out[c] = freq[c] / factor;
    }
    return out;
  }

  /**
   * Wavelengths shorter than original/high_freq_factor keep their frequency, longer than
   * original/low_freq_factor are slowed by factor, and those between are blended.
   */
  private static float[] llama3(float[] freq, RopeScaling.Llama3 s) {
    int original = s.originalMaxPositionEmbeddings();
    float longestKept = (float) (original / s.highFreqFactor());
    float shortestSlowed = (float) (original / s.lowFreqFactor());
    float factor = (float) s.factor();
    float twoPi = (float) (2 * Math.PI);
    float[] out = new float[freq.length];
    for (int c = 0; c < freq.length; c++) {
      float wavelength = (1f / freq[c]) * twoPi;
      float slowed = wavelength > shortestSlowed ? freq[c] / factor : freq[c];
      float blend = ((1f / wavelength) * (float) original - (float) s.lowFreqFactor())
          / (float) (s.highFreqFactor() - s.lowFreqFactor());
      float blended = (1f - blend) * slowed / factor + blend * slowed;
      boolean between = !(wavelength < longestKept) && !(wavelength > shortestSlowed);
      out[c] = between ? blended : slowed;
    }
    return out;
  }
}
