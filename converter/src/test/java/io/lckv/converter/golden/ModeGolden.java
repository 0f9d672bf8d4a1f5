package io.lckv.converter.golden;

/**
 * The logits of one prompt in one mode, from one call on an empty cache.
 *
 * @param passes P of the cyclic groups (moot when the model has none)
 * @param logits {@code [prompt length][vocab]}, float64 results rounded to float32
 */
public record ModeGolden(int passes, float[][] logits) {}
