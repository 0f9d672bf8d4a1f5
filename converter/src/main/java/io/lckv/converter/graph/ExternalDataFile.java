package io.lckv.converter.graph;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import onnx.Onnx.StringStringEntryProto;
import onnx.Onnx.TensorProto;

/**
 * The weights file next to {@code model.onnx}: tensors are appended one at a time, each at an
 * offset aligned to {@link #ALIGNMENT} bytes (the gaps are zeros), and the graph refers to them
 * by offset and length. A tensor's bytes are copied out as it is appended, so the caller may
 * reuse its memory at once; with {@link Parallelism#background()} they reach the disk on
 * a writer thread while the next weight is converted (see {@link ChunkedFile}).
 */
public final class ExternalDataFile implements AutoCloseable {

  public static final String FILE_NAME = "model.onnx.data";
  static final int ALIGNMENT = 64;

  private final ChunkedFile file;
  private long position;

  public ExternalDataFile(Path folder, Parallelism parallelism) {
    this.file = new ChunkedFile(folder.resolve(FILE_NAME), parallelism.background(),
        true);
  }

  /** Appends {@code bytes} (little-endian, in {@code type}) and returns the initializer for it. */
  TensorProto write(String name, TensorProto.DataType type, long[] dims, MemorySegment bytes) {
    long offset = (position + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    file.append(name, offset, bytes);
    position = offset + bytes.byteSize();
    var tensor = TensorProto.newBuilder()
        .setName(name)
        .setDataType(type.getNumber())
        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(entry("location", FILE_NAME))
        .addExternalData(entry("offset", Long.toString(offset)))
        .addExternalData(entry("length", Long.toString(bytes.byteSize())));
    for (long d : dims) {
      tensor.addDims(d);
    }
    return tensor.build();
  }

  /** Bytes in the file so far. */
  long size() {
    return position;
  }

  /**
   * Waits until every tensor is on disk (fsync included); the model folder may be published only
   * after this. Rethrows the first write failure, whichever thread met it.
   */
  public void finish() {
    file.finish();
  }

  /** Closes the file; without {@link #finish()} first, what was not yet written is dropped. */
  @Override
  public void close() {
    file.close();
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }
}
