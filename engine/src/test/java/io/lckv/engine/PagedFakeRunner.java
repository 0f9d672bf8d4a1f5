package io.lckv.engine;

import io.lckv.engine.kv.CacheView;
import io.lckv.engine.kv.KvFootprint;
import io.lckv.engine.kv.KvPoolGeometry;
import io.lckv.engine.runner.ModelRunner;
import io.lckv.engine.runner.ModelSpec;
import io.lckv.engine.runner.RunnerException;
import io.lckv.engine.runner.SequenceLogits;
import io.lckv.engine.runner.SequenceStep;
import io.lckv.engine.runner.StepBatch;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Test double for the model. It keeps a paged pool in Java memory in which each entry holds a hash
 * standing for one token's K/V, and it reads a sequence's committed entries only through the
 * step's block table. Logits are a pure function of those entries and the new tokens, so a
 * request's output changes exactly when the engine hands it a wrong cache.
 *
 * <p>Pass semantics follow spec §4 in miniature: new token j of a span of n run with P passes gets
 * its exact entry when j &lt; P, otherwise an entry that depends on (P, n, j). Splitting a
 * reference span differently therefore changes the numbers, and exact chunks do not.
 *
 * <p>Every step checks the engine's side of the {@link ModelRunner} contract and throws {@link
 * AssertionError} when it is broken.
 *
 * <p>Public, and published in the engine's test jar, so that the server's tests run the real
 * engine over it rather than over a copy.
 */
public final class PagedFakeRunner implements ModelRunner {

  public static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz .,!?0123456789";
  public static final int EOS = ALPHABET.length();
  public static final int VOCAB = EOS + 1;

  private final ModelSpec spec;
  private final long[] entries;
  private final List<StepBatch> batches = new CopyOnWriteArrayList<>();
  private final Set<Thread> callers = new HashSet<>();
  private volatile Predicate<StepBatch> failWhen = batch -> false;
  private volatile Runnable onStep = () -> {};
  private volatile Error errorOnce;
  private volatile float eosLogit = Float.NaN;

  public PagedFakeRunner(ModelSpec spec) {
    this.spec = spec;
    this.entries = new long[(int) spec.pool().tokens()];
  }

  /** A model over {@link #ALPHABET} plus an end token. */
  public static ModelSpec spec(int blocks, int blockSize, int context, int referencePasses) {
    return new ModelSpec(
        VOCAB, context, referencePasses, false, Set.of(EOS), new KvFootprint(3, 4, 64, 2),
        new KvPoolGeometry(blockSize, blocks));
  }

  /** Steps for which this holds throw a {@link RunnerException}. */
  public void failWhen(Predicate<StepBatch> condition) {
    failWhen = condition;
  }

  /** Runs before every step, e.g. to move a test clock on by a step's duration. */
  public void onStep(Runnable action) {
    onStep = action;
  }

  /** From now on the end token gets this logit instead of a hashed one; NaN restores hashing. */
  public void eosLogit(float logit) {
    eosLogit = logit;
  }

  /** The next step throws this instead of returning. */
  void throwOnce(Error error) {
    errorOnce = error;
  }

  List<StepBatch> batches() {
    return List.copyOf(batches);
  }

  synchronized Set<Thread> callers() {
    return Set.copyOf(callers);
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public synchronized List<SequenceLogits> step(StepBatch batch) throws RunnerException {
    callers.add(Thread.currentThread());
    batches.add(batch);
    onStep.run();
    Error error = errorOnce;
    if (error != null) {
      errorOnce = null;
      throw error;
    }
    if (failWhen.test(batch)) {
      throw new RunnerException("injected failure");
    }
    checkContract(batch);
    List<SequenceLogits> out = new ArrayList<>();
    for (SequenceStep step : batch.sequences()) {
      out.add(new SequenceLogits(new float[][] {run(step)}));
    }
    return out;
  }

  private float[] run(SequenceStep step) {
    CacheView cache = step.cache();
    int committed = cache.committed().longest();
    long hash = 17;
    for (int i = 0; i < committed; i++) {
      hash = mix(hash, entries[address(cache, i)]);
    }
    int[] tokens = step.tokenIds();
    for (int j = 0; j < tokens.length; j++) {
      long entry =
          j < step.passes()
              ? mix(tokens[j], 0x5EED)
              : mix(mix(mix(tokens[j], step.passes()), tokens.length), j);
      entries[address(cache, committed + j)] = entry;
      hash = mix(hash, entry);
    }
    var random = new SplittableRandom(hash);
    float[] logits = new float[VOCAB];
    for (int v = 0; v < VOCAB; v++) {
      logits[v] = (float) (random.nextGaussian() * 2);
    }
    if (!Float.isNaN(eosLogit)) {
      logits[EOS] = eosLogit;
    }
    return logits;
  }

  private int address(CacheView cache, int index) {
    return cache.blockOf(index) * spec.pool().blockSize() + cache.offsetOf(index);
  }

  private void checkContract(StepBatch batch) {
    Set<Integer> blocks = new HashSet<>();
    for (SequenceStep step : batch.sequences()) {
      CacheView cache = step.cache();
      for (int block : cache.blockTable()) {
        if (block < 0 || block >= spec.pool().blocks()) {
          throw new AssertionError("block " + block + " outside the pool");
        }
        if (!blocks.add(block)) {
          throw new AssertionError("block " + block + " in two tables of one step");
        }
      }
      int committed = cache.committed().longest();
      int[] positions = step.positions();
      for (int j = 0; j < positions.length; j++) {
        if (positions[j] != committed + j) {
          throw new AssertionError("position " + positions[j] + " for entry " + (committed + j));
        }
      }
      cache.blockOf(committed + step.newTokens() - 1); // throws when a block is missing
      if (batch.isDecode() && step.passes() != 1) {
        throw new AssertionError("a one-token step runs one pass");
      }
    }
  }

  private static long mix(long hash, long value) {
    long h = (hash ^ value) * 0x9E3779B97F4A7C15L;
    h ^= h >>> 31;
    h *= 0xBF58476D1CE4E5B9L;
    return h ^ (h >>> 29);
  }
}
