package io.lckv.converter.graph;

import java.util.List;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;

/**
 * A graph input or output as the engine sees it: name, element type and dimensions, each a fixed
 * size ({@link Long}) or a symbolic name ({@link String}, e.g. "batch").
 */
public record TensorSpec(String name, TensorProto.DataType type, List<Object> dims) {

  public TensorSpec {
    dims = List.copyOf(dims);
    for (Object d : dims) {
      if (!(d instanceof Long) && !(d instanceof String)) {
        throw new IllegalArgumentException(name + ": dimension " + d + " is not a Long or String");
      }
    }
  }

  public static TensorSpec of(String name, TensorProto.DataType type, Object... dims) {
    return new TensorSpec(name, type, List.of(dims));
  }

  ValueInfoProto valueInfo() {
    var shape = TensorShapeProto.newBuilder();
    for (Object d : dims) {
      var dim = TensorShapeProto.Dimension.newBuilder();
      if (d instanceof Long size) {
        dim.setDimValue(size);
      } else {
        dim.setDimParam((String) d);
      }
      shape.addDim(dim);
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(TypeProto.newBuilder().setTensorType(
            TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
        .build();
  }
}
