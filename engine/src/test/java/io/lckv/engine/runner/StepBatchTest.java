package io.lckv.engine.runner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.engine.kv.CacheView;
import io.lckv.engine.kv.KvLength;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StepBatchTest {

  private static final CacheView CACHE =
      new CacheView(new int[] {0}, 16, 0, 0, new KvLength.Uniform(0), Optional.empty(), false);

  private static SequenceStep step(long id, int tokens, int passes) {
    int[] ids = new int[tokens];
    int[] positions = new int[tokens];
    for (int i = 0; i < tokens; i++) {
      positions[i] = i;
    }
    return new SequenceStep(
        id, ids, positions, CACHE, PrefillMode.EXACT, passes, SequenceStep.LogitsRows.LAST);
  }

  @Test
  void aDecodeBatchHasOneTokenPerSequence() {
    assertTrue(new StepBatch(List.of(step(1, 1, 1), step(2, 1, 1))).isDecode());
    var prefill = new StepBatch(List.of(step(1, 5, 5), step(2, 1, 1)));
    assertFalse(prefill.isDecode());
    assertEquals(6, prefill.tokens());
  }

  @Test
  void aSequenceAppearsOnce() {
    assertThrows(
        IllegalArgumentException.class, () -> new StepBatch(List.of(step(1, 1, 1), step(1, 2, 2))));
    assertThrows(IllegalArgumentException.class, () -> new StepBatch(List.of()));
  }

  @Test
  void passesLieBetweenOneAndTheTokenCount() {
    assertThrows(IllegalArgumentException.class, () -> step(1, 3, 4));
    assertThrows(IllegalArgumentException.class, () -> step(1, 3, 0));
  }

  @Test
  void tokensAndPositionsPairUpAndAreCopied() {
    int[] tokens = {5, 6};
    var s =
        new SequenceStep(
            1, tokens, new int[] {3, 4}, CACHE, PrefillMode.REFERENCE, 2,
            SequenceStep.LogitsRows.ALL);
    tokens[0] = 9;
    assertArrayEquals(new int[] {5, 6}, s.tokenIds());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new SequenceStep(
                1, new int[] {1}, new int[] {1, 2}, CACHE, PrefillMode.EXACT, 1,
                SequenceStep.LogitsRows.LAST));
  }

  @Test
  void theLastRowIsTheLastNewToken() {
    float[] a = {1f};
    float[] b = {2f};
    assertArrayEquals(b, new SequenceLogits(new float[][] {a, b}).last());
    assertThrows(IllegalArgumentException.class, () -> new SequenceLogits(new float[0][]));
  }
}
