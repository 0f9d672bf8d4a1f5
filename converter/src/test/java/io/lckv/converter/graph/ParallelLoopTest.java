package io.lckv.converter.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParallelLoopTest {

  @ParameterizedTest(name = "{0} threads")
  @ValueSource(ints = {1, 2, 5})
  void everyTaskRunsOnce(int threads) {
    var runs = new AtomicLongArray(1000);
    try (var loop = new ParallelLoop(Parallelism.of(threads))) {
      loop.run(runs.length(), (i, scratch) -> runs.incrementAndGet((int) i));
    }
    for (int i = 0; i < runs.length(); i++) {
      assertEquals(1, runs.get(i), "task " + i);
    }
  }

  /** The lowest failing task's exception, as thrown, however the tasks were spread. */
  @ParameterizedTest(name = "{0} threads")
  @ValueSource(ints = {1, 2, 5})
  void theLowestFailingTaskIsReported(int threads) {
    var low = new IllegalArgumentException("task 300");
    var high = new IllegalStateException("task 301");
    try (var loop = new ParallelLoop(Parallelism.of(threads))) {
      for (int attempt = 0; attempt < 20; attempt++) {
        var e = assertThrows(RuntimeException.class, () -> loop.run(1000, (i, scratch) -> {
          if (i == 300) {
            throw low;
          }
          if (i == 301 || i == 999) {
            throw high;
          }
        }));
        assertSame(low, e);
      }
    }
  }
}
