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
 * checked after every operation and an empty pool at the end. Each run is reproducible from its
 * seed, which a failure reports.
 */
class KvCachePropertyTest {

  private static final int RUNS = 2_000;
  private static final int OPERATIONS = 150;

  /** What the test knows about a live sequence: how many entries it may still write. */
  private static final class Live {
    final long id;
    long remaining;

    Live(long id, long remaining) {
      this.id = id;
      this.remaining = remaining;
    }
  }

  @Test
  void theBooksBalanceAfterEveryOperationAndTheEnd() {
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
    var cache = new KvCache(new KvPoolGeometry(blockSize, 4 + random.nextInt(40)));
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
          live.add(new Live(id, total));
        }
      } else if (kind < 8 && !live.isEmpty()) {
        step(cache, live, random);
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
    assertEquals(new KvUsage(cache.geometry().blocks(), 0, 0, 0), cache.usage());
  }

  private static void step(KvCache cache, List<Live> live, SplittableRandom random) {
    for (Live seq : List.copyOf(live)) {
      if (seq.remaining == 0 || random.nextInt(3) == 0) {
        continue;
      }
      int cap = (int) Math.min(seq.remaining, cache.maxNewTokens(seq.id));
      int n = random.nextInt(4) == 0 ? 1 + random.nextInt(cap) : 1;
      cache.prepare(seq.id, n);
      cache.checkInvariants();
      cache.commit(seq.id);
      seq.remaining -= n;
    }
  }
}
