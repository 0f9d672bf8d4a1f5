package io.lckv.converter.graph;

import io.lckv.converter.checkpoint.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import onnx.Onnx.TensorProto;

/**
 * Puts converted weights into the data file and their initializers into the main graph, and
 * reports each finished checkpoint tensor.
 */
final class WeightWriter {

  private final ExternalDataFile data;
  private final OnnxGraph main;
  private final ConversionProgress progress;

  WeightWriter(ExternalDataFile data, OnnxGraph main, ConversionProgress progress) {
    this.data = data;
    this.main = main;
    this.progress = progress;
  }

  /** The main graph: weight preparation (casts, reshapes) goes there to be folded once. */
  OnnxGraph main() {
    return main;
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
}
