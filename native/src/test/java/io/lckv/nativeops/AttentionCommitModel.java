package io.lckv.nativeops;

import java.util.List;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;

/**
 * The smallest graph that exercises both ops: {@code out = lckv.Attention(q, k, v, pool,
 * block_table, cache_lens, sinks, recent_offset, rope_at_read)} and {@code new_lens =
 * lckv.KvCommit(k, v, pool, block_table, cache_lens, sinks, recent_offset, rope_at_read, after =
 * out)}, both with the rope attributes when {@code ropeInvFreq} has any. Inputs are declared
 * without shapes so that wrongly shaped feeds reach the ops' own checks instead of ORT's.
 */
record AttentionCommitModel(int heads, int kvHeads, int headDim, int nodiag, int window,
    float[] ropeInvFreq) {

  static final String[] LAYOUT_INPUTS = {"sinks", "recent_offset", "rope_at_read"};

  AttentionCommitModel(int heads, int kvHeads, int headDim, int nodiag, int window) {
    this(heads, kvHeads, headDim, nodiag, window, new float[0]);
  }

  byte[] bytes() {
    var graph = GraphProto.newBuilder().setName("attention_commit");
    for (String name : new String[] {"q", "k", "v"}) {
      graph.addInput(input(name, TensorProto.DataType.FLOAT));
    }
    graph.addInput(input("pool", TensorProto.DataType.INT64));
    for (String name : new String[] {"block_table", "cache_lens"}) {
      graph.addInput(input(name, TensorProto.DataType.INT32));
    }
    for (String name : LAYOUT_INPUTS) {
      graph.addInput(input(name, TensorProto.DataType.INT32));
    }
    var attention = NodeProto.newBuilder()
        .setOpType("Attention").setDomain(OpLibrary.DOMAIN).setName("attention")
        .addInput("q").addInput("k").addInput("v").addInput("pool").addInput("block_table")
        .addInput("cache_lens").addAllInput(List.of(LAYOUT_INPUTS)).addOutput("out")
        .addAttribute(intAttribute("kv_layer", 0))
        .addAttribute(intAttribute("num_heads", heads))
        .addAttribute(intAttribute("num_kv_heads", kvHeads))
        .addAttribute(intAttribute("head_dim", headDim))
        .addAttribute(intAttribute("nodiag", nodiag))
        .addAttribute(intAttribute("window", window));
    var commit = NodeProto.newBuilder()
        .setOpType("KvCommit").setDomain(OpLibrary.DOMAIN).setName("commit")
        .addInput("k").addInput("v").addInput("pool").addInput("block_table")
        .addInput("cache_lens").addAllInput(List.of(LAYOUT_INPUTS)).addInput("out")
        .addOutput("new_lens")
        .addAttribute(intAttribute("kv_layer", 0))
        .addAttribute(intAttribute("num_kv_heads", kvHeads))
        .addAttribute(intAttribute("head_dim", headDim));
    if (ropeInvFreq.length > 0) {
      for (NodeProto.Builder node : new NodeProto.Builder[] {attention, commit}) {
        node.addAttribute(floatsAttribute("rope_inv_freq", ropeInvFreq))
            .addAttribute(intAttribute("rotary_dim", 2L * ropeInvFreq.length));
      }
    }
    graph.addNode(attention).addNode(commit);
    graph.addOutput(input("out", TensorProto.DataType.FLOAT));
    graph.addOutput(input("new_lens", TensorProto.DataType.INT32));
    return ModelProto.newBuilder()
        .setIrVersion(10)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(21))
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(OpLibrary.DOMAIN).setVersion(1))
        .setGraph(graph)
        .build()
        .toByteArray();
  }

  private static ValueInfoProto input(String name, TensorProto.DataType type) {
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(TypeProto.newBuilder()
            .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber())))
        .build();
  }

  private static AttributeProto intAttribute(String name, long value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  private static AttributeProto floatsAttribute(String name, float[] values) {
    var attribute = AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.FLOATS);
    for (float value : values) {
      attribute.addFloats(value);
    }
    return attribute.build();
  }
}
