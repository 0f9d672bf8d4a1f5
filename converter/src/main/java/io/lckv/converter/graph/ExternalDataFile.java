package io.lckv.converter.graph;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import onnx.Onnx.StringStringEntryProto;
import onnx.Onnx.TensorProto;

/**
 * The weights file next to {@code model.onnx}: tensors are appended one at a time, each at an
 * offset aligned to {@link #ALIGNMENT} bytes, and the graph refers to them by offset and length.
 * Nothing is kept in memory once written.
 */
public final class ExternalDataFile implements AutoCloseable {

  public static final String FILE_NAME = "model.onnx.data";
  static final int ALIGNMENT = 64;
  private static final int CHUNK = 1 << 24;

  private final FileChannel channel;
  private long position;

  public ExternalDataFile(Path folder) {
    try {
      this.channel = FileChannel.open(folder.resolve(FILE_NAME),
          StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + folder.resolve(FILE_NAME), e);
    }
  }

  /** Appends {@code bytes} (little-endian, in {@code type}) and returns the initializer for it. */
  TensorProto write(String name, TensorProto.DataType type, long[] dims, MemorySegment bytes) {
    long offset = (position + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    try {
      long at = offset;
      for (long done = 0; done < bytes.byteSize(); ) {
        long n = Math.min(CHUNK, bytes.byteSize() - done);
        ByteBuffer chunk = bytes.asSlice(done, n).asByteBuffer();
        while (chunk.hasRemaining()) {
          at += channel.write(chunk, at);
        }
        done += n;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + name + " to " + FILE_NAME, e);
    }
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

  @Override
  public void close() {
    try {
      channel.force(true);
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot finish " + FILE_NAME, e);
    }
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }
}
