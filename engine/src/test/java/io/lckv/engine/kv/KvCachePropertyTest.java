package io.lckv.engine.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random admit/step/finish/cancel/error sequences against the block books, with every invariant
 * checked after every operation and an empty pool at the end. Besides the books, a simulated pool
 * records which (sequence, position) each slot was written with, and every step checks that the
 * cache view still finds exactly the entries StreamingLLM keeps (the sinks and the latest ones) in
 * the slots they were written to. Each run is reproducible from its seed, which a failure reports.
 */
class KvCachePropertyTest {

  private static final int RUNS = 2_000;
  private static final int OPERATIONS = 150;

  /** What the test knows about a live sequence. */
  private static final class Live {
    final long id;
    final Optional<StreamingWindow> window;
    long remaining;
    /** Absolute positions the cache should hold, in cache order. */
    final List<Integer> kept = new ArrayList<>();
    int written;

    Live(long id, long remaining, Optional<StreamingWindow> window) {
      this.id = id;
      this.remaining = remaining;
      this.window = window;
    }
  }

  @Test
  void theBooksBalanceAndEveryKeptEntryStaysWhereItWasWritten() {
    for (long seed = 0; seed < RUNS; seed++) {
      try {
        run(seed);
      } catch (RuntimeException | AssertionError e) {
        fail("seed " + seed + ": " + e.getMessage(), e);
      }
    }
  }

  private static void run(long seed) {
    var random = new SplittableRandom(seed);
    int blockSize = 1 + random.nextInt(8);
    var geometry = new KvPoolGeometry(blockSize, 4 + random.nextInt(40));
    var cache = new KvCache(geometry);
    long[] pool = new long[(int) geometry.tokens()];
    List<Live> live = new ArrayList<>();
    long nextId = 0;
    for (int op = 0; op < OPERATIONS; op++) {
      int kind = random.nextInt(10);
      if (kind < 3) {
        long total = 1 + random.nextInt(120);
        Optional<StreamingWindow> window = Optional.empty();
        if (random.nextBoolean()) {
          int sinks = random.nextInt(6);
          window = Optional.of(new StreamingWindow(sinks, sinks + 1 + random.nextInt(30)));
        }
        long id = nextId++;
        if (cache.tryReserve(id, total, window)) {
          live.add(new Live(id, total, window));
        }
      } else if (kind < 8 && !live.isEmpty()) {
        for (Live seq : List.copyOf(live)) {
          if (seq.remaining > 0 && random.nextInt(3) != 0) {
            int cap = (int) Math.min(seq.remaining, cache.maxNewTokens(seq.id));
            int n = random.nextInt(4) == 0 ? 1 + random.nextInt(cap) : 1;
            step(cache, pool, seq, n);
            cache.checkInvariants();
            cache.commit(seq.id);
          }
        }
      } else if (!live.isEmpty()) {
        // finish, cancel and error all end in a release; an error may strike mid-step
        Live gone = live.remove(random.nextInt(live.size()));
        if (kind == 9 && gone.remaining > 0) {
          cache.prepare(gone.id, 1);
        }
        cache.release(gone.id);
      }
      cache.checkInvariants();
    }
    live.forEach(seq -> cache.release(seq.id));
    cache.checkInvariants();
    assertEquals(new KvUsage(geometry.blocks(), 0, 0, 0), cache.usage());
  }

  /** Prepares a step, checks the kept entries against the model, writes the new ones. */
  private static void step(KvCache cache, long[] pool, Live seq, int n) {
    CacheView view = cache.prepare(seq.id, n);
    int sinks = seq.window.map(StreamingWindow::sinkTokens).orElse(0);
    int limit = seq.window.map(StreamingWindow::windowTokens).orElse(Integer.MAX_VALUE);
    int evict = Math.max(0, seq.kept.size() + n - limit);
    assertEquals(
        evict == 0 ? Optional.empty() : Optional.of(new KvEviction(sinks, evict)), view.eviction());
    if (evict > 0) {
      seq.kept.subList(sinks, sinks + evict).clear();
    }
    assertEquals(seq.kept.size(), view.committed().longest());
    for (int i = 0; i < seq.kept.size(); i++) {
      assertEquals(
          entry(seq.id, seq.kept.get(i)), pool[address(view, i)], "entry " + i + " moved or lost");
    }
    for (int j = 0; j < n; j++) {
      int position = seq.written++;
      pool[address(view, view.committed().longest() + j)] = entry(seq.id, position);
      seq.kept.add(position);
    }
    seq.remaining -= n;
  }

  private static int address(CacheView view, int index) {
    return view.blockOf(index) * view.blockSize() + view.offsetOf(index);
  }

  private static long entry(long sequence, int position) {
    return (sequence << 32) | position;
  }
}
