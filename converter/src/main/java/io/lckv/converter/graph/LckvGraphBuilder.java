package io.lckv.converter.graph;

import com.google.protobuf.ByteString;
import io.lckv.converter.config.Dimensions;
import io.lckv.converter.config.LayerGroup;
import io.lckv.converter.config.LayerLayout;
import io.lckv.converter.config.ModelConfig;
import io.lckv.converter.model.ModelWeights;
import io.lckv.converter.model.ValidatedModel;
import io.lckv.nativeops.OpLibrary;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.StringStringEntryProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorProto.DataType;

/**
 * Writes the ONNX model of a validated LCKV checkpoint node by node (spec §3–4, native/README.md
 * §3): embedding, the iteration plan's groups (run-once groups inline, each cyclic group one
 * Loop), the chain of KV commits, the final norm and the vocabulary projections. The weights go
 * to the data file as each is first used, so at most one is in memory.
 */
public final class LckvGraphBuilder {

  /** ai.onnx opset: 21 (ONNX 1.16, IR 10), which ORT 1.21 … 1.28 all run. */
  public static final int ONNX_OPSET = 21;
  public static final int IR_VERSION = 10;
  public static final int LCKV_OPSET = 1;

  private final ModelConfig config;
  private final ModelWeights weights;
  private final Dimensions dims;
  private final LayerLayout layout;
  private final ModelScope scope = new ModelScope("lckv");
  private final OnnxGraph main = scope.main();
  private final WeightWriter writer;
  private final WeightCodec codec;

  /** Final KV of this step for each KV layer written so far. */
  private final Map<Integer, Kv> finalKv = new HashMap<>();
  /** Per KV layer, main-graph values that exist only once every read of it is done. */
  private final Map<Integer, Set<String>> readsDone = new TreeMap<>();

  private LckvGraphBuilder(ValidatedModel model, WeightFormat format, Int8Accuracy int8Accuracy,
      ExternalDataFile data, Parallelism parallelism, ConversionProgress progress) {
    this.config = model.config();
    this.weights = model.weights();
    this.dims = config.dimensions();
    this.layout = config.layout();
    this.writer = new WeightWriter(data, main, progress, parallelism);
    this.codec = WeightCodec.of(format, int8Accuracy, writer);
  }

  /**
   * The model, its weights appended to {@code data} (which the caller then finishes).
   *
   * @param int8Accuracy how ORT may compute int8 weights (used with {@code format} int8 only)
   * @param parallelism the threads converting the weights; the output does not depend on it
   * @param producerVersion recorded in the model, e.g. the converter's version
   */
  public static ModelProto build(ValidatedModel model, WeightFormat format,
      Int8Accuracy int8Accuracy, ExternalDataFile data, Parallelism parallelism,
      ConversionProgress progress, String producerVersion, Map<String, String> metadata) {
    var builder = new LckvGraphBuilder(model, format, int8Accuracy, data, parallelism, progress);
    GraphProto graph;
    try (WeightWriter writer = builder.writer) {
      graph = builder.graph();
    }
    var proto = ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .setProducerName("lckv-convert")
        .setProducerVersion(producerVersion)
        .addOpsetImport(opset("", ONNX_OPSET))
        .addOpsetImport(opset(OpLibrary.DOMAIN, LCKV_OPSET))
        .setGraph(graph);
    if (format == WeightFormat.INT8) {
      proto.addOpsetImport(opset("com.microsoft", 1));
    }
    // In key order: Map.of iterates in an order that changes from one JVM run to the next.
    new TreeMap<>(metadata).forEach((key, value) -> proto.addMetadataProps(
        StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
    return proto.build();
  }

  /** How many checkpoint tensors the conversion writes, for progress reporting. */
  public static int weightCount(ValidatedModel model) {
    var distinct = new HashSet<String>();
    var w = model.weights();
    distinct.add(w.embedTokens().name());
    distinct.add(w.finalNorm().name());
    distinct.add(w.lmHead().name());
    for (var layer : w.layers()) {
      distinct.add(layer.inputNorm().name());
      distinct.add(layer.qProj().name());
      layer.kv().ifPresent(kv -> {
        distinct.add(kv.kProj().name());
        distinct.add(kv.vProj().name());
      });
      distinct.add(layer.oProj().name());
      distinct.add(layer.postAttentionNorm().name());
      distinct.add(layer.gateProj().name());
      distinct.add(layer.upProj().name());
      distinct.add(layer.downProj().name());
    }
    return distinct.size();
  }

  private GraphProto graph() {
    GraphIo.inputs().forEach(main::input);
    GraphIo.outputs(dims.vocabSize()).forEach(main::output);

    StepValues step = stepValues();
    var layer = new DecoderLayer(dims, layout, (float) config.rmsNormEps(), codec, writer, step);
    var cyclic = new CyclicGroupWriter(dims, layout, weights.layers(), layer, step,
        GraphIo.PASSES);

    WeightCodec.TokenTable embedding = codec.table(weights.embedTokens());
    main.scope("embedding");
    String h = embedding.rows(main, GraphIo.INPUT_IDS);
    main.scope("");
    for (LayerGroup group : layout.plan().groups()) {
      h = switch (group) {
        case LayerGroup.Once once -> writeOnce(layer, once, h);
        case LayerGroup.Cyclic loop -> writeLoop(cyclic, loop, h);
      };
    }
    writeCommits(step);
    WeightCodec.TokenTable lmHead = config.tieWordEmbeddings()
        ? embedding : codec.table(weights.lmHead());
    writeLogits(layer, lmHead, h);
    return main.build();
  }

  private StepValues stepValues() {
    float[] invFreq = RopeFrequencies.of(config);
    Rope rope = Rope.of(main, GraphIo.POSITIONS, scope.float32s("rope_inv_freq", invFreq),
        dims.headDim());
    String kvShape = main.concat(0, main.op("Shape", GraphIo.INPUT_IDS),
        main.int64s(dims.kvWidth()));
    String zeros = main.node("ConstantOfShape").in(kvShape)
        .attr("value", TensorProto.newBuilder().setDataType(DataType.FLOAT_VALUE).addDims(1)
            .setRawData(ByteString.copyFrom(new byte[4])).build())
        .out();
    return new StepValues(GraphIo.POOL, GraphIo.BLOCK_TABLE, GraphIo.CACHE_LENS,
        new String[] {GraphIo.SINKS, GraphIo.RECENT_OFFSET, GraphIo.ROPE_AT_READ}, rope, invFreq,
        zeros);
  }

  private String writeOnce(DecoderLayer layer, LayerGroup.Once group, String h) {
    String hidden = h;
    for (int i = group.first(); i <= group.last(); i++) {
      DecoderLayer.Written written = layer.write(main, weights.layers().get(i), layout.layer(i),
          hidden, finalKv::get);
      hidden = written.hidden();
      int layerIndex = i;
      written.fresh().ifPresent(kv -> finalKv.put(layerIndex, kv));
      readDone(layout.layer(i).source(), written.attention());
    }
    return hidden;
  }

  private String writeLoop(CyclicGroupWriter cyclic, LayerGroup.Cyclic group, String h) {
    CyclicGroupWriter.Written written = cyclic.write(main, group, h, Map.copyOf(finalKv));
    finalKv.putAll(written.finalKv());
    for (int i = group.first(); i <= group.last(); i++) {
      readDone(layout.layer(i).source(), written.readsDone());
    }
    return written.hidden();
  }

  private void readDone(int kvLayer, String value) {
    readsDone.computeIfAbsent(kvLayer, t -> new LinkedHashSet<>()).add(value);
  }

  /**
   * One commit per KV layer, in pool-slot order, each after every read of its layer and after the
   * previous commit, the last one producing the {@code new_lens} output (native/README.md §3.2).
   */
  private void writeCommits(StepValues step) {
    main.scope("commit");
    String previous = null;
    for (int slot = 0; slot < layout.kvLayers().size(); slot++) {
      int t = layout.kvLayers().get(slot);
      Kv kv = finalKv.get(t);
      var node = step.ropeAttributes(main.node("KvCommit").domain(OpLibrary.DOMAIN)
          .in(kv.keys(), kv.values(), step.pool(), step.blockTable(), step.cacheLens())
          .in(step.layout())
          .in(readsDone.get(t).toArray(String[]::new))
          .attr("kv_layer", (long) slot)
          .attr("num_kv_heads", (long) dims.numKvHeads())
          .attr("head_dim", (long) dims.headDim()));
      if (previous != null) {
        node.in(previous);
      }
      previous = slot == layout.kvLayers().size() - 1 ? node.outNamed(GraphIo.NEW_LENS) : node.out();
    }
    main.scope("");
  }

  private void writeLogits(DecoderLayer layer, WeightCodec.TokenTable lmHead, String h) {
    main.scope("lm_head");
    String finalNorm = writer.float32(weights.finalNorm());
    String last = layer.rmsNorm(main, main.gather(h, main.int64Scalar(-1), 1), finalNorm);
    main.node("Identity").in(lmHead.project(main, last)).outNamed(GraphIo.LOGITS);

    String from = main.unsqueeze(GraphIo.LOGITS_FROM, 0);
    String tail = main.slice(h, from, main.int64s(Long.MAX_VALUE), 1);
    String normed = layer.rmsNorm(main, tail, finalNorm);
    String rows = lmHead.project(main, main.reshape(normed, -1, dims.hiddenSize()));
    String shape = main.concat(0,
        main.node("Shape").in(tail).attr("end", 2L).out(), main.int64s(dims.vocabSize()));
    // allowzero: a 0 in the shape is an empty dimension here, not "copy the input's".
    main.node("Reshape").in(rows, shape).attr("allowzero", 1L).outNamed(GraphIo.LOGITS_ALL);
    main.scope("");
  }

  private static OperatorSetIdProto opset(String domain, int version) {
    return OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version).build();
  }
}
