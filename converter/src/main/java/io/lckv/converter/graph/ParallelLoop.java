package io.lckv.converter.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs numbered tasks on {@link Parallelism#threads()} threads, the calling one included: the
 * element work of one weight, cut into tasks that write disjoint parts of its output, so the
 * result does not depend on which thread ran what.
 *
 * <p>Failures are deterministic too: tasks are claimed in increasing order and none is claimed
 * after one has failed, so every task numbered below a failed one has run, and the failure of the
 * lowest-numbered failing task is rethrown as it was thrown. That is the failure a single thread
 * running the tasks in order meets first, whatever the thread count.
 */
final class ParallelLoop implements AutoCloseable {

  @FunctionalInterface
  interface Task {
    /** Runs task {@code index} in arrays no other thread uses meanwhile. */
    void run(long index, Scratch scratch);
  }

  /**
   * Arrays a task converts in, one set per thread, kept from task to task and weight to weight:
   * allocating them per task made megabytes of garbage per weight (G1 takes arrays that large
   * as humongous objects, each a trip to the old generation). Each is at least as long as asked,
   * its contents left from the previous task.
   */
  static final class Scratch {
    private final float[][] floats = {new float[0], new float[0]};
    private short[] shorts = new short[0];
    private byte[] bytes = new byte[0];

    /** One of two float arrays, {@code slot} 0 or 1. */
    float[] floats(int slot, int length) {
      if (floats[slot].length < length) {
        floats[slot] = new float[length];
      }
      return floats[slot];
    }

    short[] shorts(int length) {
      if (shorts.length < length) {
        shorts = new short[length];
      }
      return shorts;
    }

    byte[] bytes(int length) {
      if (bytes.length < length) {
        bytes = new byte[length];
      }
      return bytes;
    }
  }

  private final int helpers;
  /** Null with one thread: tasks run in order on the calling thread. */
  private final ExecutorService executor;
  /** Index 0 for the calling thread, h for the h-th helper of a run. */
  private final Scratch[] scratch;

  ParallelLoop(Parallelism parallelism) {
    this.helpers = parallelism.threads() - 1;
    this.executor = helpers == 0 ? null
        : Executors.newFixedThreadPool(helpers,
            Thread.ofPlatform().daemon().name("lckv-convert-worker-", 1).factory());
    this.scratch = new Scratch[helpers + 1];
    for (int i = 0; i < scratch.length; i++) {
      scratch[i] = new Scratch();
    }
  }

  /** Runs {@code task} for 0 … {@code count} − 1 and returns when all have run. */
  void run(long count, Task task) {
    if (executor == null || count <= 1) {
      for (long i = 0; i < count; i++) {
        task.run(i, scratch[0]);
      }
      return;
    }
    var next = new AtomicLong();
    var failures = new ConcurrentSkipListMap<Long, Throwable>();
    List<Future<?>> started = new ArrayList<>();
    for (int h = 1; h <= Math.min(helpers, count - 1); h++) {
      Scratch own = scratch[h];
      started.add(executor.submit(() -> claim(count, task, own, next, failures)));
    }
    claim(count, task, scratch[0], next, failures);
    started.forEach(ParallelLoop::await);
    if (!failures.isEmpty()) {
      switch (failures.firstEntry().getValue()) {
        case RuntimeException e -> throw e;
        case Error e -> throw e;
        case Throwable t -> throw new IllegalStateException(t);
      }
    }
  }

  private static void claim(long count, Task task, Scratch scratch, AtomicLong next,
      ConcurrentSkipListMap<Long, Throwable> failures) {
    for (long i = next.getAndIncrement(); i < count && failures.isEmpty();
        i = next.getAndIncrement()) {
      try {
        task.run(i, scratch);
      } catch (Throwable t) {
        failures.put(i, t);
      }
    }
  }

  @Override
  public void close() {
    if (executor == null) {
      return;
    }
    executor.shutdown();
    boolean interrupted = false;
    while (!executor.isTerminated()) {
      try {
        executor.awaitTermination(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits for a helper, uninterruptibly: it is at most one task from done, and the output memory
   * it writes must not be released under it.
   */
  private static void await(Future<?> helper) {
    boolean interrupted = false;
    while (true) {
      try {
        helper.get();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (ExecutionException e) {
        // The claimer catches everything its tasks throw.
        throw new IllegalStateException(e.getCause());
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
