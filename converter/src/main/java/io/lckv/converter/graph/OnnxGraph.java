package io.lckv.converter.graph;

import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;

/**
 * One ONNX graph under construction, the main graph or a Loop body, with helpers for the ops
 * the converter writes. Every helper returns the name of the value it produces; names are
 * unique across the model ({@link ModelScope}) and carry the current scope ("layers.3/...") so a
 * graph viewer shows where a node comes from.
 */
final class OnnxGraph {

  private final GraphProto.Builder proto;
  private final ModelScope model;
  private String scope = "";

  OnnxGraph(String name, ModelScope model) {
    this.proto = GraphProto.newBuilder().setName(name);
    this.model = model;
  }

  ModelScope model() {
    return model;
  }

  /** A Loop body sharing this model's names and constants. */
  OnnxGraph body(String name) {
    return new OnnxGraph(model.fresh(name), model);
  }

  /** Prefixes the names of the nodes added next. */
  void scope(String name) {
    scope = name.isEmpty() ? "" : name + "/";
  }

  void input(TensorSpec spec) {
    proto.addInput(spec.valueInfo());
  }

  void output(TensorSpec spec) {
    proto.addOutput(spec.valueInfo());
  }

  void initializer(TensorProto tensor) {
    proto.addInitializer(tensor);
  }

  GraphProto build() {
    return proto.build();
  }

  Node node(String opType) {
    return new Node(opType);
  }

  String op(String opType, String... inputs) {
    return node(opType).in(inputs).out();
  }

  String matMul(String a, String b) {
    return op("MatMul", a, b);
  }

  String add(String a, String b) {
    return op("Add", a, b);
  }

  String sub(String a, String b) {
    return op("Sub", a, b);
  }

  String mul(String a, String b) {
    return op("Mul", a, b);
  }

  String cast(String x, TensorProto.DataType to) {
    return node("Cast").in(x).attr("to", to.getNumber()).out();
  }

  String gather(String data, String indices, long axis) {
    return node("Gather").in(data, indices).attr("axis", axis).out();
  }

  /** Reshape where 0 copies the input's dimension and -1 is inferred. */
  String reshape(String x, long... shape) {
    return op("Reshape", x, model.int64s(false, shape));
  }

  String reshapeTo(String x, String shape) {
    return op("Reshape", x, shape);
  }

  String unsqueeze(String x, long... axes) {
    return op("Unsqueeze", x, model.int64s(false, axes));
  }

  String concat(long axis, String... inputs) {
    return node("Concat").in(inputs).attr("axis", axis).out();
  }

  /** {@code x[start:end]} along {@code axis}, with start/end given as value names. */
  String slice(String x, String starts, String ends, long axis) {
    return op("Slice", x, starts, ends, model.int64s(false, axis));
  }

  String int64s(long... values) {
    return model.int64s(false, values);
  }

  String int64Scalar(long value) {
    return model.int64s(true, value);
  }

  /** A fluent node: inputs, attributes, then one or more outputs. */
  final class Node {

    private final NodeProto.Builder node;

    private Node(String opType) {
      node = NodeProto.newBuilder().setOpType(opType);
    }

    Node domain(String domain) {
      node.setDomain(domain);
      return this;
    }

    Node in(String... inputs) {
      for (String input : inputs) {
        node.addInput(input);
      }
      return this;
    }

    Node attr(String name, long value) {
      node.addAttribute(AttributeProto.newBuilder().setName(name)
          .setType(AttributeProto.AttributeType.INT).setI(value));
      return this;
    }

    Node attr(String name, float value) {
      node.addAttribute(AttributeProto.newBuilder().setName(name)
          .setType(AttributeProto.AttributeType.FLOAT).setF(value));
      return this;
    }

    Node attr(String name, float[] values) {
      var attribute = AttributeProto.newBuilder().setName(name)
          .setType(AttributeProto.AttributeType.FLOATS);
      for (float value : values) {
        attribute.addFloats(value);
      }
      node.addAttribute(attribute);
      return this;
    }

    Node attr(String name, TensorProto tensor) {
      node.addAttribute(AttributeProto.newBuilder().setName(name)
          .setType(AttributeProto.AttributeType.TENSOR).setT(tensor));
      return this;
    }

    Node attr(String name, GraphProto graph) {
      node.addAttribute(AttributeProto.newBuilder().setName(name)
          .setType(AttributeProto.AttributeType.GRAPH).setG(graph));
      return this;
    }

    /** Adds the node with one fresh output. */
    String out() {
      return outs(1)[0];
    }

    /** Adds the node with an output of a given (graph input/output) name. */
    String outNamed(String name) {
      node.addOutput(name);
      finish();
      return name;
    }

    String[] outs(int count) {
      String base = model.fresh(scope + node.getOpType());
      String[] names = new String[count];
      for (int i = 0; i < count; i++) {
        names[i] = count == 1 ? base : base + ":" + i;
        node.addOutput(names[i]);
      }
      node.setName(base);
      proto.addNode(node);
      return names;
    }

    private void finish() {
      node.setName(model.fresh(scope + node.getOpType()));
      proto.addNode(node);
    }
  }
}
