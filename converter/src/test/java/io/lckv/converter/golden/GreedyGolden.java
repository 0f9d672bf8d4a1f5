package io.lckv.converter.golden;

/**
 * A greedy run: an exact prefill of {@code promptIds}, then one-token decode steps that never
 * stop at eos. Step k is fed {@code inputIds[k]} (the first is the argmax of the prefill's last
 * row, then {@code inputIds[k + 1] = nextIds[k]}) and returns {@code logits[k]}.
 *
 * @param margins top-1 minus top-2 logit of the prefill's last row, then of every step: all at
 *     least 1e-4, so a float32 implementation picks the same tokens
 */
public record GreedyGolden(
    int[] promptIds, int[] inputIds, float[][] logits, int[] nextIds, float[] margins) {

  public int steps() {
    return inputIds.length;
  }
}
