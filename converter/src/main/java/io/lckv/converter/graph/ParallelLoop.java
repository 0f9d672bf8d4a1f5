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
    void run(long index);
  }

  private final int helpers;
  /** Null with one thread: tasks run in order on the calling thread. */
  private final ExecutorService executor;

  ParallelLoop(Parallelism parallelism) {
    this.helpers = parallelism.threads() - 1;
    this.executor = helpers == 0 ? null
        : Executors.newFixedThreadPool(helpers,
            Thread.ofPlatform().daemon().name("lckv-convert-worker-", 1).factory());
  }

  /** Runs {@code task} for 0 … {@code count} − 1 and returns when all have run. */
  void run(long count, Task task) {
    if (executor == null || count <= 1) {
      for (long i = 0; i < count; i++) {
        task.run(i);
      }
      return;
    }
    var next = new AtomicLong();
    var failures = new ConcurrentSkipListMap<Long, Throwable>();
    Runnable claimer = () -> {
      for (long i = next.getAndIncrement(); i < count && failures.isEmpty();
          i = next.getAndIncrement()) {
        try {
          task.run(i);
        } catch (Throwable t) {
          failures.put(i, t);
        }
      }
    };
    List<Future<?>> started = new ArrayList<>();
    for (int h = 0; h < Math.min(helpers, count - 1); h++) {
      started.add(executor.submit(claimer));
    }
    claimer.run();
    started.forEach(ParallelLoop::await);
    if (!failures.isEmpty()) {
      switch (failures.firstEntry().getValue()) {
        case RuntimeException e -> throw e;
        case Error e -> throw e;
        case Throwable t -> throw new IllegalStateException(t);
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
