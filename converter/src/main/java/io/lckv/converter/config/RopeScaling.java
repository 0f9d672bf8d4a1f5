package io.lckv.converter.config;

/** {@code rope_scaling}: how RoPE frequencies are adjusted for longer contexts. */
public sealed interface RopeScaling {

  /** {@code rope_scaling: null}: the plain Llama frequencies. */
  record None() implements RopeScaling {}

  /** Positions divided by {@code factor}. */
  record Linear(double factor) implements RopeScaling {}

  /** Llama 3.x: low frequencies divided by {@code factor}, a smooth ramp between the bands. */
  record Llama3(
      double factor,
      double lowFreqFactor,
      double highFreqFactor,
      int originalMaxPositionEmbeddings)
      implements RopeScaling {}
}
