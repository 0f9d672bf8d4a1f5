package io.lckv.converter.golden;

import com.fasterxml.jackson.databind.JsonNode;
import io.lckv.converter.StrictJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The tensors of a {@code golden.safetensors}: float32 logits and margins, int64 token ids.
 *
 * <p>Not read with the converter's {@code SafetensorsFile}: that reader accepts only the weight
 * types of a checkpoint (F32, F16, BF16) and rightly refuses the I64 ids. The file is the
 * project's own and small, so it is read whole and only its layout is checked.
 */
final class GoldenTensors {

  private final Path file;
  private final JsonNode header;
  private final ByteBuffer data;

  private GoldenTensors(Path file, JsonNode header, ByteBuffer data) {
    this.file = file;
    this.header = header;
    this.data = data;
  }

  static GoldenTensors read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ByteBuffer all = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int headerSize = Math.toIntExact(all.getLong(0));
    JsonNode header = StrictJson.parseObject(
        file, "the header", Arrays.copyOfRange(bytes, 8, 8 + headerSize));
    ByteBuffer data = all.slice(8 + headerSize, bytes.length - 8 - headerSize)
        .order(ByteOrder.LITTLE_ENDIAN);
    return new GoldenTensors(file, header, data);
  }

  /** A float32 tensor of rank 2 as rows. */
  float[][] matrix(String name) {
    long[] shape = shape(name, "F32", 2);
    FloatBuffer values = bytes(name, shape, 4).asFloatBuffer();
    float[][] rows = new float[(int) shape[0]][(int) shape[1]];
    for (float[] row : rows) {
      values.get(row);
    }
    return rows;
  }

  /** A float32 tensor of rank 1. */
  float[] vector(String name) {
    long[] shape = shape(name, "F32", 1);
    float[] values = new float[(int) shape[0]];
    bytes(name, shape, 4).asFloatBuffer().get(values);
    return values;
  }

  /** An int64 tensor of rank 1 holding token ids, which fit an int. */
  int[] ids(String name) {
    long[] shape = shape(name, "I64", 1);
    long[] values = new long[(int) shape[0]];
    bytes(name, shape, 8).asLongBuffer().get(values);
    return Arrays.stream(values).mapToInt(Math::toIntExact).toArray();
  }

  private long[] shape(String name, String dtype, int rank) {
    JsonNode entry = header.get(name);
    if (entry == null) {
      throw new IllegalArgumentException(file + ": no tensor " + name);
    }
    long[] shape = new long[entry.get("shape").size()];
    Arrays.setAll(shape, i -> entry.get("shape").get(i).longValue());
    if (!entry.get("dtype").asText().equals(dtype) || shape.length != rank) {
      throw new IllegalArgumentException(
          file + ": " + name + " is " + entry.get("dtype").asText() + Arrays.toString(shape)
              + ", expected " + dtype + " of rank " + rank);
    }
    return shape;
  }

  private ByteBuffer bytes(String name, long[] shape, int elementSize) {
    JsonNode offsets = header.get(name).get("data_offsets");
    int begin = offsets.get(0).intValue();
    int end = offsets.get(1).intValue();
    if (end - begin != Arrays.stream(shape).reduce(elementSize, Math::multiplyExact)) {
      throw new IllegalArgumentException(file + ": " + name + " data_offsets do not fit its shape");
    }
    return data.slice(begin, end - begin).order(ByteOrder.LITTLE_ENDIAN);
  }
}
