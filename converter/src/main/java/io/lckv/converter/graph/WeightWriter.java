package io.lckv.converter.graph;

import io.lckv.converter.checkpoint.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import onnx.Onnx.TensorProto;

/**
 * Puts converted weights into the data file and their initializers into the main graph, and
 * reports each finished checkpoint tensor. Owns what the codecs convert with: the threads, and
 * one output buffer that every weight reuses (the data file copies a weight out as it is
 * stored), so converting a model allocates its largest converted weight once.
 */
final class WeightWriter implements AutoCloseable {

  /** Rows {@code first … end − 1} of a weight; tasks of one weight run concurrently. */
  @FunctionalInterface
  interface Rows {
    void convert(long first, long end, ParallelLoop.Scratch scratch);
  }

  private final ExternalDataFile data;
  private final OnnxGraph main;
  private final ConversionProgress progress;
  private final Parallelism parallelism;
  private final ParallelLoop loop;
  private Arena outputArena;
  private MemorySegment output = MemorySegment.NULL;

  WeightWriter(ExternalDataFile data, OnnxGraph main, ConversionProgress progress,
      Parallelism parallelism) {
    this.data = data;
    this.main = main;
    this.progress = progress;
    this.parallelism = parallelism;
    this.loop = new ParallelLoop(parallelism);
  }

  /** The main graph: weight preparation (casts, reshapes) goes there to be folded once. */
  OnnxGraph main() {
    return main;
  }

  /**
   * {@code bytes} bytes of memory for a converted weight, shared with the conversion threads;
   * valid until the next call.
   */
  MemorySegment output(long bytes) {
    if (bytes > output.byteSize()) {
      if (outputArena != null) {
        outputArena.close();
      }
      outputArena = Arena.ofShared();
      output = outputArena.allocate(bytes, 64);
    }
    return output.asSlice(0, bytes);
  }

  /**
   * Converts {@code rows} rows of {@code rowElements} elements each, in tasks of about
   * {@link Parallelism#elementsPerTask()} elements (whole tiles of {@code tile} rows once a task
   * holds that many), on the conversion threads.
   */
  void forRows(long rows, long rowElements, int tile, Rows task) {
    long perTask = parallelism.rowsPerTask(rowElements, tile);
    loop.run((rows + perTask - 1) / perTask,
        (t, scratch) -> task.convert(t * perTask, Math.min(rows, (t + 1) * perTask), scratch));
  }

  /** Writes one initializer and returns its name. */
  String store(String name, TensorProto.DataType type, long[] dims, MemorySegment bytes) {
    main.initializer(data.write(name, type, dims, bytes));
    return name;
  }

  /** Marks the checkpoint tensor {@code source} as fully written. */
  void done(Tensor source) {
    progress.weightWritten(source.name(), data.size());
  }

  /** A small vector kept in float32 whatever the format (norm weights). */
  String float32(Tensor tensor) {
    try (Arena arena = Arena.ofConfined()) {
      String name = store(tensor.name(), TensorProto.DataType.FLOAT, tensor.shape().dims(),
          tensor.toFloat32(arena));
      done(tensor);
      return name;
    }
  }

  @Override
  public void close() {
    try (loop) {
      if (outputArena != null) {
        outputArena.close();
      }
    }
  }
}
