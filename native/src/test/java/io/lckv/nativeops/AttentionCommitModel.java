package io.lckv.nativeops;

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
 * block_table, cache_lens, sinks)} and {@code new_lens = lckv.KvCommit(k, v, pool, block_table,
 * cache_lens, after = out)}. Inputs are declared without shapes so that wrongly shaped feeds
 * reach the ops' own checks instead of ORT's.
 */
record AttentionCommitModel(int heads, int kvHeads, int headDim, int nodiag, int window) {

  byte[] bytes() {
    var graph = GraphProto.newBuilder().setName("attention_commit");
    for (String name : new String[] {"q", "k", "v"}) {
      graph.addInput(input(name, TensorProto.DataType.FLOAT));
    }
    graph.addInput(input("pool", TensorProto.DataType.INT64));
    for (String name : new String[] {"block_table", "cache_lens", "sinks"}) {
      graph.addInput(input(name, TensorProto.DataType.INT32));
    }
    graph.addNode(NodeProto.newBuilder()
        .setOpType("Attention").setDomain(OpLibrary.DOMAIN).setName("attention")
        .addInput("q").addInput("k").addInput("v").addInput("pool").addInput("block_table")
        .addInput("cache_lens").addInput("sinks").addOutput("out")
        .addAttribute(intAttribute("kv_layer", 0))
        .addAttribute(intAttribute("num_heads", heads))
        .addAttribute(intAttribute("num_kv_heads", kvHeads))
        .addAttribute(intAttribute("head_dim", headDim))
        .addAttribute(intAttribute("nodiag", nodiag))
        .addAttribute(intAttribute("window", window)));
    graph.addNode(NodeProto.newBuilder()
        .setOpType("KvCommit").setDomain(OpLibrary.DOMAIN).setName("commit")
        .addInput("k").addInput("v").addInput("pool").addInput("block_table")
        .addInput("cache_lens").addInput("out").addOutput("new_lens")
        .addAttribute(intAttribute("kv_layer", 0))
        .addAttribute(intAttribute("num_kv_heads", kvHeads))
        .addAttribute(intAttribute("head_dim", headDim)));
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
}
