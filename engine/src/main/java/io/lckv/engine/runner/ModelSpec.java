package io.lckv.engine.runner;

import io.lckv.engine.kv.KvFootprint;
import io.lckv.engine.kv.KvPoolGeometry;
import java.util.Set;

/**
 * What the engine must know about the model a runner serves.
 *
 * @param vocabSize length of every logits row
 * @param maxContextTokens {@code max_position_embeddings}: most cache entries one sequence may hold
 * @param referencePasses M = {@code forward_passes + max(backward_passes, 1)}
 * @param sequentialReference {@code use_sequential}: the reference runs P = n for every span
 * @param eosTokenIds generation ends when one of these is sampled
 * @param kvFootprint bytes of cache per token
 * @param pool the paged pool the runner allocated; the engine hands out exactly these blocks
 */
public record ModelSpec(
    int vocabSize,
    int maxContextTokens,
    int referencePasses,
    boolean sequentialReference,
    Set<Integer> eosTokenIds,
    KvFootprint kvFootprint,
    KvPoolGeometry pool) {

  public ModelSpec {
    if (vocabSize < 1 || maxContextTokens < 1 || referencePasses < 1) {
      throw new IllegalArgumentException(
          "vocabSize, maxContextTokens and referencePasses must be positive: " + vocabSize + ", "
              + maxContextTokens + ", " + referencePasses);
    }
    eosTokenIds = Set.copyOf(eosTokenIds);
    for (int eos : eosTokenIds) {
      if (eos < 0 || eos >= vocabSize) {
        throw new IllegalArgumentException("eos token " + eos + " outside the vocabulary");
      }
    }
  }

  /** M of spec §4 from the checkpoint's {@code forward_passes} and {@code backward_passes}. */
  public static int referencePasses(int forwardPasses, int backwardPasses) {
    return forwardPasses + Math.max(backwardPasses, 1);
  }

  /** Passes reference mode runs over a whole span of {@code span} new tokens. */
  public int referencePassesFor(int span) {
    return sequentialReference || span <= referencePasses ? span : referencePasses;
  }

  /** Whether reference mode is approximate on such a span, and so must not be split. */
  public boolean referenceDiffersFromExact(int span) {
    return referencePassesFor(span) != span;
  }
}
