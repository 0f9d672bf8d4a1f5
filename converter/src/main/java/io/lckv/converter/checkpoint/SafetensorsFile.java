package io.lckv.converter.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import io.lckv.converter.CheckpointException;
import io.lckv.converter.StrictJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Reads one {@code .safetensors} file: an 8-byte little-endian header length N, N bytes of JSON
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}}, then the
 * data, to which the offsets are relative. The file stays open; each tensor is mapped when read.
 */
final class SafetensorsFile {

  /** The format's own reference reader refuses larger headers too. */
  static final long MAX_HEADER_BYTES = 100L << 20;

  private static final String METADATA = "__metadata__";

  private record Entry(String name, DType dtype, Shape shape, long begin, long end) {}

  private SafetensorsFile() {}

  /** The file's tensors in header order; its open channel is added to {@code opened}. */
  static SequencedMap<String, Tensor> read(Path file, List<AutoCloseable> opened) {
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot be read: " + e.getMessage(), e);
    }
    opened.add(channel);
    try {
      long fileSize = channel.size();
      long headerSize = headerSize(file, channel, fileSize);
      ByteBuffer header = readFully(file, channel, 8, (int) headerSize);
      JsonNode json = StrictJson.parseObject(file, "the header", header.array());
      long dataSize = fileSize - 8 - headerSize;
      List<Entry> entries = entries(file, json, dataSize);
      rejectOverlaps(file, entries);

      var tensors = new LinkedHashMap<String, Tensor>();
      for (Entry e : entries) {
        tensors.put(e.name(), new Tensor(e.name(), e.dtype(), e.shape(), file,
            new MappedBytes(file, channel, 8 + headerSize + e.begin(), e.end() - e.begin())));
      }
      return tensors;
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot be read: " + e.getMessage(), e);
    }
  }

  private static long headerSize(Path file, FileChannel channel, long fileSize)
      throws IOException {
    if (fileSize < 8) {
      throw new CheckpointException(
          file, "is truncated: " + fileSize + " bytes, less than the 8-byte header length");
    }
    long headerSize = readFully(file, channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    // Read unsigned: a length with the top bit set is just as oversized.
    if (Long.compareUnsigned(headerSize, MAX_HEADER_BYTES) > 0) {
      throw new CheckpointException(
          file, "declares a header of " + Long.toUnsignedString(headerSize)
              + " bytes, over the " + MAX_HEADER_BYTES + "-byte limit");
    }
    if (headerSize < 2 || 8 + headerSize > fileSize) {
      throw new CheckpointException(
          file, "declares a header of " + headerSize + " bytes but the file has "
              + fileSize + " bytes (truncated or not safetensors)");
    }
    return headerSize;
  }

  private static ByteBuffer readFully(Path file, FileChannel channel, long position, int size)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(size);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new CheckpointException(file, "ended while its header was being read");
      }
    }
    return buffer;
  }

  private static List<Entry> entries(Path file, JsonNode header, long dataSize) {
    var entries = new ArrayList<Entry>();
    for (Map.Entry<String, JsonNode> field : header.properties()) {
      String name = field.getKey();
      if (name.equals(METADATA)) {
        checkMetadata(file, field.getValue());
      } else {
        entries.add(entry(file, name, field.getValue(), dataSize));
      }
    }
    return entries;
  }

  private static void checkMetadata(Path file, JsonNode metadata) {
    boolean stringMap = metadata.isObject();
    for (JsonNode value : metadata) {
      stringMap &= value.isTextual();
    }
    if (!stringMap) {
      throw new CheckpointException(file, METADATA + " must map strings to strings");
    }
  }

  private static Entry entry(Path file, String name, JsonNode json, long dataSize) {
    String tensor = "tensor " + CheckpointException.quote(name);
    if (!json.isObject()) {
      throw new CheckpointException(file, tensor + " is not a JSON object");
    }
    DType dtype = dtype(file, tensor, json.get("dtype"));
    Shape shape = shape(file, tensor, json.get("shape"));
    JsonNode offsets = json.get("data_offsets");
    if (offsets == null || !offsets.isArray() || offsets.size() != 2
        || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()
        || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
      throw new CheckpointException(file, tensor + " data_offsets must be [begin, end] integers");
    }
    long begin = offsets.get(0).longValue();
    long end = offsets.get(1).longValue();
    if (begin < 0 || end < begin || end > dataSize) {
      throw new CheckpointException(
          file, tensor + " data_offsets [" + begin + ", " + end + "] lie outside the "
              + dataSize + " data bytes of the file");
    }
    long needed;
    try {
      needed = Math.multiplyExact(shape.elementCount(), dtype.byteSize());
    } catch (ArithmeticException e) {
      throw new CheckpointException(file, tensor + " shape " + shape + " is too large", e);
    }
    if (end - begin != needed) {
      throw new CheckpointException(
          file, tensor + " is " + dtype + " " + shape + ", " + needed + " bytes, but data_offsets ["
              + begin + ", " + end + "] hold " + (end - begin));
    }
    return new Entry(name, dtype, shape, begin, end);
  }

  private static DType dtype(Path file, String tensor, JsonNode json) {
    if (json == null || !json.isTextual()) {
      throw new CheckpointException(file, tensor + " dtype must be a string");
    }
    return switch (json.textValue()) {
      case "F32" -> DType.F32;
      case "F16" -> DType.F16;
      case "BF16" -> DType.BF16;
      case String other -> throw new CheckpointException(
          file, tensor + " has dtype " + CheckpointException.quote(other)
              + "; only F32, F16 and BF16 are supported");
    };
  }

  private static Shape shape(Path file, String tensor, JsonNode json) {
    if (json == null || !json.isArray()) {
      throw new CheckpointException(file, tensor + " shape must be a list of sizes");
    }
    long[] dims = new long[json.size()];
    for (int i = 0; i < dims.length; i++) {
      JsonNode d = json.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
        throw new CheckpointException(
            file, tensor + " shape " + json + " has a size that is not a non-negative integer");
      }
      dims[i] = d.longValue();
    }
    try {
      return new Shape(dims);
    } catch (ArithmeticException e) {
      throw new CheckpointException(file, tensor + " shape " + json + " is too large", e);
    }
  }

  /** Two tensors sharing bytes would alias silently; the format forbids it. */
  private static void rejectOverlaps(Path file, List<Entry> entries) {
    List<Entry> byBegin = entries.stream()
        .filter(e -> e.end() > e.begin())
        .sorted(Comparator.comparingLong(Entry::begin))
        .toList();
    for (int i = 1; i < byBegin.size(); i++) {
      Entry previous = byBegin.get(i - 1);
      Entry current = byBegin.get(i);
      if (current.begin() < previous.end()) {
        throw new CheckpointException(
            file, "tensors " + CheckpointException.quote(previous.name()) + " ["
                + previous.begin() + ", " + previous.end() + ") and "
                + CheckpointException.quote(current.name()) + " [" + current.begin() + ", "
                + current.end() + ") overlap");
      }
    }
  }
}
