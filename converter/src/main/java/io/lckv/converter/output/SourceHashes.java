package io.lckv.converter.output;

import java.nio.file.Path;
import java.util.Collection;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The SHA-256 of every source file, for the conversion report. Hashing a 2 GB checkpoint takes
 * about 1.4 s of CPU, so in the background mode it runs on a thread of its own from the start of
 * the conversion: it overlaps the conversion instead of following it, and reading the files front
 * to back warms the page cache for the weights, which the conversion reads in graph order.
 */
final class SourceHashes implements AutoCloseable {

  private final FutureTask<SortedMap<Path, String>> task;
  private final Thread thread;

  private SourceHashes(Collection<Path> files, boolean background) {
    var sorted = new TreeSet<>(files);
    this.task = new FutureTask<>(() -> {
      var hashes = new TreeMap<Path, String>();
      for (Path file : sorted) {
        hashes.put(file, Sha256.of(file));
      }
      return hashes;
    });
    this.thread = background
        ? Thread.ofPlatform().daemon().name("lckv-convert-hash").start(task)
        : null;
  }

  /** Starts hashing {@code files} now when {@code background}, else on {@link #get()}. */
  static SourceHashes start(Collection<Path> files, boolean background) {
    return new SourceHashes(files, background);
  }

  /** Every file's hash, in path order; rethrows a failure to read one. */
  SortedMap<Path, String> get() {
    if (thread == null) {
      task.run();
    }
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return task.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          if (e.getCause() instanceof RuntimeException failure) {
            throw failure;
          }
          throw new IllegalStateException(e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Stops hashing that is no longer wanted (a failed conversion): the interrupt closes the file
   * being read.
   */
  @Override
  public void close() {
    task.cancel(true);
    if (thread != null) {
      boolean interrupted = false;
      while (thread.isAlive()) {
        try {
          thread.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

}
