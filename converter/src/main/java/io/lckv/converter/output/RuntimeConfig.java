package io.lckv.converter.output;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lckv.converter.config.Dimensions;
import io.lckv.converter.config.Layer;
import io.lckv.converter.config.LayerGroup;
import io.lckv.converter.config.LayerLayout;
import io.lckv.converter.config.ModelConfig;
import io.lckv.converter.config.RopeScaling;
import io.lckv.converter.graph.ExternalDataFile;
import io.lckv.converter.graph.GraphIo;
import io.lckv.converter.graph.LckvGraphBuilder;
import io.lckv.converter.graph.RopeFrequencies;
import io.lckv.converter.graph.TensorSpec;
import io.lckv.converter.graph.WeightFormat;
import io.lckv.nativeops.OpLibrary;
import java.util.List;
import java.util.OptionalInt;

/**
 * {@code runtime-config.json}: everything the engine needs besides the graph to serve the model
 * (schema version {@link #SCHEMA_VERSION}; a field's meaning never changes within a version).
 * Where a field restates the checkpoint config it is in the converted, current LCKV form.
 */
public final class RuntimeConfig {

  public static final String FILE_NAME = "runtime-config.json";
  public static final int SCHEMA_VERSION = 1;
  public static final String MODEL_FILE = "model.onnx";

  private static final ObjectMapper JSON = new ObjectMapper();

  private RuntimeConfig() {}

  public static ObjectNode of(ModelConfig config, WeightFormat format, String opsVersion,
      List<String> tokenizerFiles) {
    Dimensions d = config.dimensions();
    LayerLayout layout = config.layout();
    ObjectNode root = JSON.createObjectNode();
    root.put("schema_version", SCHEMA_VERSION);
    root.put("source_model_type", config.declaredType().configName());

    ObjectNode files = root.putObject("files");
    files.put("model", MODEL_FILE);
    files.put("weights", ExternalDataFile.FILE_NAME);
    tokenizerFiles.forEach(files.putArray("tokenizer")::add);

    ObjectNode onnx = root.putObject("onnx");
    onnx.put("ir_version", LckvGraphBuilder.IR_VERSION);
    onnx.put("opset", LckvGraphBuilder.ONNX_OPSET);
    onnx.put("op_domain", OpLibrary.DOMAIN);
    onnx.put("op_domain_version", LckvGraphBuilder.LCKV_OPSET);
    onnx.put("lckv_ops_version", opsVersion);
    onnx.put("weight_dtype", format.optionName());
    onnx.put("activation_dtype", "float32");
    graph(onnx.putObject("graph"), d.vocabSize());

    ObjectNode dims = root.putObject("dimensions");
    dims.put("num_layers", d.numLayers());
    dims.put("hidden_size", d.hiddenSize());
    dims.put("intermediate_size", d.intermediateSize());
    dims.put("num_attention_heads", d.numHeads());
    dims.put("num_key_value_heads", d.numKvHeads());
    dims.put("head_dim", d.headDim());
    dims.put("vocab_size", d.vocabSize());

    layers(root, config, layout);

    ObjectNode passes = root.putObject("passes");
    passes.put("forward_passes", config.passes().forwardPasses());
    passes.put("backward_passes", config.passes().backwardPasses());
    passes.put("max_passes", config.passes().maxPasses());
    passes.put("use_sequential", config.passes().useSequential());

    root.put("rms_norm_eps", config.rmsNormEps());
    rope(root.putObject("rope"), config);
    root.put("max_position_embeddings", config.maxPositionEmbeddings());
    ObjectNode tokens = root.putObject("tokens");
    config.bosTokenIds().forEach(tokens.putArray("bos_token_ids")::add);
    config.eosTokenIds().forEach(tokens.putArray("eos_token_ids")::add);
    return root;
  }

  private static void graph(ObjectNode graph, int vocab) {
    ArrayNode inputs = graph.putArray("inputs");
    GraphIo.inputs().forEach(spec -> inputs.add(spec(spec)));
    ArrayNode outputs = graph.putArray("outputs");
    GraphIo.outputs(vocab).forEach(spec -> outputs.add(spec(spec)));
  }

  private static ObjectNode spec(TensorSpec spec) {
    ObjectNode node = JSON.createObjectNode();
    node.put("name", spec.name());
    node.put("type", switch (spec.type()) {
      case FLOAT -> "float32";
      case INT64 -> "int64";
      case INT32 -> "int32";
      default -> throw new IllegalArgumentException(spec.name() + " has type " + spec.type());
    });
    ArrayNode shape = node.putArray("shape");
    for (Object d : spec.dims()) {
      if (d instanceof Long size) {
        shape.add(size);
      } else {
        shape.add((String) d);
      }
    }
    return node;
  }

  private static void layers(ObjectNode root, ModelConfig config, LayerLayout layout) {
    root.put("force_nodiag", config.forceNodiag());
    putOptional(root, "sliding_window", config.slidingWindow());
    ArrayNode layers = root.putArray("layers");
    for (Layer layer : layout.layers()) {
      ObjectNode node = layers.addObject();
      node.put("layer", layer.index());
      node.put("reads", layer.source());
      node.put("kv_layer", layer.kvLayer());
      node.put("nodiag", layer.nodiag());
      putOptional(node, "window", layer.window());
    }
    ArrayNode kvLayers = root.putArray("kv_layers");
    for (int slot = 0; slot < layout.kvLayers().size(); slot++) {
      int t = layout.kvLayers().get(slot);
      ObjectNode node = kvLayers.addObject();
      node.put("layer", t);
      node.put("pool_slot", slot);
      // Recent positions its cache must keep for its readers; null: all of them.
      putOptional(node, "cache_window", layout.cacheWindow(t));
    }
    ArrayNode groups = root.putArray("layer_groups");
    for (LayerGroup group : layout.plan().groups()) {
      ObjectNode node = groups.addObject();
      node.put("first", group.first());
      node.put("last", group.last());
      node.put("cyclic", group instanceof LayerGroup.Cyclic);
      if (group instanceof LayerGroup.Cyclic cyclic) {
        cyclic.kvLayers().forEach(node.putArray("kv_layers")::add);
      }
    }
  }

  private static void rope(ObjectNode rope, ModelConfig config) {
    rope.put("theta", config.ropeTheta());
    switch (config.ropeScaling()) {
      case RopeScaling.None none -> rope.putNull("scaling");
      case RopeScaling.Linear linear -> rope.putObject("scaling")
          .put("type", "linear").put("factor", linear.factor());
      case RopeScaling.Llama3 l -> rope.putObject("scaling")
          .put("type", "llama3")
          .put("factor", l.factor())
          .put("low_freq_factor", l.lowFreqFactor())
          .put("high_freq_factor", l.highFreqFactor())
          .put("original_max_position_embeddings", l.originalMaxPositionEmbeddings());
    }
    float[] invFreq = RopeFrequencies.of(config);
    rope.put("rotary_dim", 2 * invFreq.length);
    // float32 values written in their shortest round-trip form: parsed back as float, exact.
    ArrayNode list = rope.putArray("inv_freq");
    for (float f : invFreq) {
      list.add(f);
    }
  }

  private static void putOptional(ObjectNode node, String field, OptionalInt value) {
    if (value.isPresent()) {
      node.put(field, value.getAsInt());
    } else {
      node.putNull(field);
    }
  }
}
