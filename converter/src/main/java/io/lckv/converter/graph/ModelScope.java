package io.lckv.converter.graph;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import onnx.Onnx.TensorProto;

/**
 * What every graph of one model shares: unique value names (ONNX forbids a Loop body to reuse an
 * outer name) and the main graph, where constants and weight preparation live so that the Loop
 * bodies see them as outer-scope values and ORT folds them once, not once per pass.
 */
final class ModelScope {

  private final Map<String, Integer> counters = new HashMap<>();
  private final Map<String, String> constants = new HashMap<>();
  private final OnnxGraph main;

  ModelScope(String graphName) {
    this.main = new OnnxGraph(graphName, this);
  }

  OnnxGraph main() {
    return main;
  }

  /** A name not used before in this model: {@code prefix} itself the first time, then _1, _2. */
  String fresh(String prefix) {
    int n = counters.merge(prefix, 1, Integer::sum);
    return n == 1 ? prefix : prefix + "_" + (n - 1);
  }

  /** An int64 constant of shape {@code [values.length]}, or a scalar when {@code scalar}. */
  String int64s(boolean scalar, long... values) {
    String key = (scalar ? "s" : "v") + Arrays.toString(values);
    return constants.computeIfAbsent(key, k -> {
      ByteBuffer bytes = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
      for (long v : values) {
        bytes.putLong(v);
      }
      var tensor = TensorProto.newBuilder()
          .setName(fresh("const_i64"))
          .setDataType(TensorProto.DataType.INT64_VALUE)
          .setRawData(ByteString.copyFrom(bytes.array()));
      if (!scalar) {
        tensor.addDims(values.length);
      }
      main.initializer(tensor.build());
      return tensor.getName();
    });
  }

  /** A float32 scalar constant. */
  String float32Scalar(float value) {
    return constants.computeIfAbsent("f" + Float.floatToRawIntBits(value), k -> {
      String name = fresh("const_f32");
      main.initializer(TensorProto.newBuilder()
          .setName(name)
          .setDataType(TensorProto.DataType.FLOAT_VALUE)
          .setRawData(ByteString.copyFrom(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
              .putFloat(value).array()))
          .build());
      return name;
    });
  }

  /** A float32 constant {@code [values.length]} (rope frequencies). */
  String float32s(String name, float[] values) {
    ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      bytes.putFloat(v);
    }
    String unique = fresh(name);
    main.initializer(TensorProto.newBuilder()
        .setName(unique)
        .setDataType(TensorProto.DataType.FLOAT_VALUE)
        .addDims(values.length)
        .setRawData(ByteString.copyFrom(bytes.array()))
        .build());
    return unique;
  }
}
