package io.lckv.converter.graph;

/**
 * The threads a conversion uses. With one, everything runs on the calling thread. With more, the
 * element work of a large weight (widening, float16 rounding, transposing, int8 quantization) is
 * cut into tasks of about {@code elementsPerTask} elements that {@code threads} threads share,
 * the calling one included, and the side work gets threads of its own: one writes the data file
 * while the next weight is converted, one hashes the source files. The output does not depend on
 * either setting, byte for byte.
 */
public record Parallelism(int threads, long elementsPerTask) {

  /**
   * 2 MiB of float32 per task: long enough to pay for handing it to another thread, short enough
   * that a 2048 × 2048 matrix still makes 8 tasks.
   */
  public static final long DEFAULT_ELEMENTS_PER_TASK = 1L << 19;

  /** A task's elements sit in Java arrays, so they must stay well inside an int. */
  static final long MAX_ELEMENTS_PER_TASK = 1L << 26;

  public Parallelism {
    if (threads < 1 || elementsPerTask < 1 || elementsPerTask > MAX_ELEMENTS_PER_TASK) {
      throw new IllegalArgumentException("threads must be positive and elements per task in 1 … "
          + MAX_ELEMENTS_PER_TASK + ": " + threads + ", " + elementsPerTask);
    }
  }

  public static Parallelism of(int threads) {
    return new Parallelism(threads, DEFAULT_ELEMENTS_PER_TASK);
  }

  /** One thread per processor the JVM may use. */
  public static Parallelism available() {
    return of(Runtime.getRuntime().availableProcessors());
  }

  /**
   * Whether the side work runs on threads of its own, next to the conversion: writing the data
   * file, hashing the source files for the report.
   */
  public boolean background() {
    return threads > 1;
  }

  /**
   * Rows of {@code rowElements} elements per task: about {@code elementsPerTask} elements, at
   * least one row, and a multiple of {@code tile} rows once a task holds that many (so that
   * tiled kernels see whole tiles).
   */
  long rowsPerTask(long rowElements, int tile) {
    long rows = Math.max(1, elementsPerTask / Math.max(1, rowElements));
    return rows < tile ? rows : rows / tile * tile;
  }
}
