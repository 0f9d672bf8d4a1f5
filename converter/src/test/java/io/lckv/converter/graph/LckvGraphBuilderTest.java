package io.lckv.converter.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.converter.checkpoint.DType;
import io.lckv.converter.config.ConfigReader;
import io.lckv.converter.fixtures.SafetensorsWriter;
import io.lckv.converter.fixtures.TinyModel;
import io.lckv.converter.model.ValidatedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.ValueInfoProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The graph's structure for TinyModel ("0_3_3_3": layer 0 runs once, layers 1–3 cycle). */
class LckvGraphBuilderTest {

  @TempDir Path tmp;

  private ModelProto build(boolean tied, WeightFormat format) throws IOException {
    return build(tied, format, Int8Accuracy.INT8);
  }

  private ModelProto build(boolean tied, WeightFormat format, Int8Accuracy int8Accuracy)
      throws IOException {
    Path checkpoint = tmp.resolve("checkpoint");
    TinyModel.writeConfig(checkpoint, TinyModel.config().put("tie_word_embeddings", tied));
    SafetensorsWriter.write(checkpoint.resolve("model.safetensors"), DType.BF16,
        TinyModel.tensors(tied));
    Path out = Files.createDirectories(tmp.resolve("out"));
    try (ValidatedModel model = ValidatedModel.open(checkpoint);
        ExternalDataFile data = new ExternalDataFile(out, Parallelism.available())) {
      ModelProto proto = LckvGraphBuilder.build(model, format, int8Accuracy, data,
          Parallelism.available(),
          ConversionProgress.SILENT, "test", Map.of("weight_dtype", format.optionName()));
      data.finish();
      return proto;
    }
  }

  @Test
  void inputsAndOutputsAreTheEngineContract() throws IOException {
    GraphProto graph = build(false, WeightFormat.FP32).getGraph();
    assertEquals(GraphIo.inputs().stream().map(TensorSpec::name).toList(),
        graph.getInputList().stream().map(ValueInfoProto::getName).toList());
    assertEquals(List.of(GraphIo.LOGITS, GraphIo.LOGITS_ALL, GraphIo.NEW_LENS),
        graph.getOutputList().stream().map(ValueInfoProto::getName).toList());
    for (int i = 0; i < graph.getInputCount(); i++) {
      assertEquals(GraphIo.inputs().get(i).type().getNumber(),
          graph.getInput(i).getType().getTensorType().getElemType(), graph.getInput(i).getName());
    }
  }

  @Test
  void theCyclicGroupIsOneLoopOverPassesWithZeroWorkingKv() throws IOException {
    GraphProto graph = build(false, WeightFormat.FP32).getGraph();
    List<NodeProto> loops = nodes(graph, "Loop");
    assertEquals(1, loops.size());
    NodeProto loop = loops.getFirst();
    assertEquals(GraphIo.PASSES, loop.getInput(0));
    assertEquals("", loop.getInput(1), "no condition: exactly `passes` passes");
    // Carried: K and V of KV layer 3 (both starting from the same zeros), then the hidden state.
    assertEquals(5, loop.getInputCount());
    assertEquals(loop.getInput(2), loop.getInput(3));
    assertEquals("ConstantOfShape", producer(graph, loop.getInput(2)).getOpType());
    assertEquals(3, loop.getOutputCount());

    GraphProto body = attribute(loop, "body").getG();
    List<NodeProto> attention = nodes(body, "Attention");
    assertEquals(3, attention.size(), "layers 1, 2, 3");
    Set<String> carried = body.getInputList().stream().map(ValueInfoProto::getName)
        .collect(Collectors.toSet());
    // Layers 1 and 2 read layer 3, above them: the previous pass's KV, carried in.
    assertTrue(carried.contains(attention.get(0).getInput(1)));
    assertTrue(carried.contains(attention.get(1).getInput(1)));
    // Layer 3 reads itself: this pass's fresh keys, which are also what the body carries out.
    String freshKeys = attention.get(2).getInput(1);
    assertTrue(!carried.contains(freshKeys));
    assertEquals(freshKeys, body.getOutput(1).getName());
    for (NodeProto node : attention) {
      assertEquals(1, attribute(node, "kv_layer").getI(), "pool slot of layer 3");
      assertEquals(1, attribute(node, "nodiag").getI());
    }
  }

  @Test
  void commitsAreChainedAfterEveryReadOfTheirLayer() throws IOException {
    GraphProto graph = build(false, WeightFormat.FP32).getGraph();
    List<NodeProto> commits = nodes(graph, "KvCommit");
    assertEquals(2, commits.size());
    NodeProto first = commits.get(0);
    NodeProto second = commits.get(1);
    assertEquals(0, attribute(first, "kv_layer").getI());
    assertEquals(1, attribute(second, "kv_layer").getI());
    // Layer 0 is read once, by itself, outside the loop.
    String layer0Read = nodes(graph, "Attention").getFirst().getOutput(0);
    assertEquals(List.of(layer0Read), first.getInputList().subList(8, first.getInputCount()));
    // Layer 3 is read inside the loop: the commit waits for the loop, then for commit 0.
    NodeProto loop = nodes(graph, "Loop").getFirst();
    assertEquals(List.of(loop.getOutput(2), first.getOutput(0)),
        second.getInputList().subList(8, second.getInputCount()));
    assertEquals(loop.getOutput(0), second.getInput(0), "the last pass's keys");
    assertEquals(GraphIo.NEW_LENS, second.getOutput(0));
  }

  @Test
  void everyLckvNodeTakesTheStreamingLayoutAndTheModelsRope() throws IOException {
    ModelProto model = build(false, WeightFormat.FP32);
    GraphProto graph = model.getGraph();
    List<String> layout = List.of(GraphIo.SINKS, GraphIo.RECENT_OFFSET, GraphIo.ROPE_AT_READ);
    List<NodeProto> attention = new ArrayList<>(nodes(graph, "Attention"));
    attention.addAll(nodes(attribute(nodes(graph, "Loop").getFirst(), "body").getG(), "Attention"));
    List<NodeProto> commits = nodes(graph, "KvCommit");
    assertEquals(4, attention.size());
    float[] invFreq = RopeFrequencies.of(
        ConfigReader.read(tmp.resolve("checkpoint").resolve("config.json")));
    for (NodeProto node : attention) {
      assertEquals(layout, node.getInputList().subList(6, 9), node.getName());
    }
    for (NodeProto node : commits) {
      assertEquals(layout, node.getInputList().subList(5, 8), node.getName());
    }
    for (NodeProto node : concat(attention, commits)) {
      AttributeProto freq = attribute(node, "rope_inv_freq");
      assertEquals(AttributeProto.AttributeType.FLOATS, freq.getType());
      assertEquals(invFreq.length, freq.getFloatsCount());
      for (int c = 0; c < invFreq.length; c++) {
        assertEquals(Float.floatToIntBits(invFreq[c]), Float.floatToIntBits(freq.getFloats(c)));
      }
      assertEquals(2L * invFreq.length, attribute(node, "rotary_dim").getI());
    }
  }

  private static List<NodeProto> concat(List<NodeProto> a, List<NodeProto> b) {
    var all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  @Test
  void weightsAreExternalAt64ByteOffsets() throws IOException {
    ModelProto model = build(false, WeightFormat.FP32);
    long dataSize = Files.size(tmp.resolve("out").resolve(ExternalDataFile.FILE_NAME));
    int external = 0;
    for (TensorProto tensor : model.getGraph().getInitializerList()) {
      if (tensor.getDataLocation() != TensorProto.DataLocation.EXTERNAL) {
        continue;
      }
      external++;
      Map<String, String> entries = tensor.getExternalDataList().stream()
          .collect(Collectors.toMap(e -> e.getKey(), e -> e.getValue()));
      assertEquals(ExternalDataFile.FILE_NAME, entries.get("location"));
      long offset = Long.parseLong(entries.get("offset"));
      assertEquals(0, offset % 64, tensor.getName());
      assertTrue(offset + Long.parseLong(entries.get("length")) <= dataSize);
    }
    assertEquals(TinyModel.tensors(false).size(), external, "one per checkpoint tensor");
  }

  @Test
  void tiedEmbeddingsAreStoredOnce() throws IOException {
    GraphProto graph = build(true, WeightFormat.FP32).getGraph();
    List<TensorProto> tables = graph.getInitializerList().stream()
        .filter(t -> t.getDimsList().equals(List.of((long) TinyModel.VOCAB,
            (long) TinyModel.HIDDEN)))
        .toList();
    assertEquals(1, tables.size());
    String table = tables.getFirst().getName();
    assertEquals(table, nodes(graph, "Gather").getFirst().getInput(0));
    for (NodeProto gemm : nodes(graph, "Gemm")) {
      assertEquals(table, gemm.getInput(1), "lm_head reads the embedding transposed");
      assertEquals(1, attribute(gemm, "transB").getI());
    }
  }

  @ParameterizedTest
  @EnumSource(Int8Accuracy.class)
  void int8UsesMatMulNBitsAtItsAccuracyLevel(Int8Accuracy accuracy) throws IOException {
    ModelProto model = build(false, WeightFormat.INT8, accuracy);
    assertTrue(model.getOpsetImportList().stream()
        .anyMatch(o -> o.getDomain().equals("com.microsoft")));
    List<NodeProto> matMuls = nodes(model.getGraph(), "MatMulNBits");
    matMuls.addAll(nodes(attribute(nodes(model.getGraph(), "Loop").getFirst(), "body").getG(),
        "MatMulNBits"));
    // q, k, v, o, gate, up, down per layer (k, v only for KV layers 0 and 3), lm_head twice.
    assertEquals(4 * 5 + 2 * 2 + 2, matMuls.size());
    for (NodeProto node : matMuls) {
      assertEquals(8, attribute(node, "bits").getI());
      assertEquals(accuracy == Int8Accuracy.FP32 ? 1 : 4,
          attribute(node, "accuracy_level").getI());
    }
  }

  private static List<NodeProto> nodes(GraphProto graph, String opType) {
    return graph.getNodeList().stream().filter(n -> n.getOpType().equals(opType))
        .collect(Collectors.toList());
  }

  private static NodeProto producer(GraphProto graph, String value) {
    return graph.getNodeList().stream().filter(n -> n.getOutputList().contains(value))
        .findFirst().orElseThrow();
  }

  private static AttributeProto attribute(NodeProto node, String name) {
    return node.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError(node.getName() + " has no attribute " + name));
  }
}
