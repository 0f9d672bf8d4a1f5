package io.lckv.engine.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.engine.kv.KvFootprint;
import io.lckv.engine.kv.KvPoolGeometry;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModelSpecTest {

  private static ModelSpec spec(int passes, boolean sequential) {
    return new ModelSpec(
        100, 2048, passes, sequential, Set.of(2), new KvFootprint(3, 4, 64, 2),
        new KvPoolGeometry(16, 8));
  }

  @Test
  void referencePassesFollowTheCheckpointDefaults() {
    assertEquals(9, ModelSpec.referencePasses(7, 2));
    assertEquals(8, ModelSpec.referencePasses(7, 0)); // max(b, 1)
  }

  @Test
  void referenceIsExactUpToMPassesAndCappedBeyond() {
    ModelSpec spec = spec(9, false);
    assertEquals(1, spec.referencePassesFor(1));
    assertEquals(9, spec.referencePassesFor(9));
    assertEquals(9, spec.referencePassesFor(500));
    assertFalse(spec.referenceDiffersFromExact(9));
    assertTrue(spec.referenceDiffersFromExact(10));
  }

  @Test
  void useSequentialMakesReferenceExactOnEverySpan() {
    ModelSpec spec = spec(9, true);
    assertEquals(500, spec.referencePassesFor(500));
    assertFalse(spec.referenceDiffersFromExact(500));
  }

  @Test
  void eosIdsMustBeTokens() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new ModelSpec(
                10, 64, 9, false, Set.of(10), new KvFootprint(1, 1, 8, 2),
                new KvPoolGeometry(4, 4)));
  }
}
