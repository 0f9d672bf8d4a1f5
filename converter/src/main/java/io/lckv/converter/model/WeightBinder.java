package io.lckv.converter.model;

import io.lckv.converter.CheckpointException;
import io.lckv.converter.checkpoint.Checkpoint;
import io.lckv.converter.checkpoint.Shape;
import io.lckv.converter.checkpoint.Tensor;
import io.lckv.converter.config.Dimensions;
import io.lckv.converter.config.LayerLayout;
import io.lckv.converter.config.ModelConfig;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies spec §2 to a checkpoint: every tensor must be a known weight of this config with the
 * shape the config implies, and every weight the config needs must be there.
 */
final class WeightBinder {

  private final ModelConfig config;
  private final Checkpoint checkpoint;
  private final Dimensions dims;
  private final LayerLayout layout;
  private final Map<ModelWeight, Tensor> modelWeights = new EnumMap<>(ModelWeight.class);
  private final Map<Integer, Map<LayerWeight, Tensor>> layerWeights = new HashMap<>();

  private WeightBinder(ModelConfig config, Checkpoint checkpoint) {
    this.config = config;
    this.checkpoint = checkpoint;
    this.dims = config.dimensions();
    this.layout = config.layout();
  }

  static ModelWeights bind(ModelConfig config, Checkpoint checkpoint) {
    var binder = new WeightBinder(config, checkpoint);
    binder.checkBudget();
    checkpoint.tensors().values().forEach(binder::place);
    return binder.assemble();
  }

  /**
   * Refuses a config whose sizes the checkpoint could not hold even at 2 bytes a parameter,
   * before anything sized from the config is looked at.
   */
  private void checkBudget() {
    long parameters = dims.parameterCount(layout.kvLayers().size(), config.tieWordEmbeddings());
    long present = checkpoint.totalTensorBytes();
    if (parameters > present / 2) {
      throw new CheckpointException(
          config.file(), "num_hidden_layers " + dims.numLayers() + ", hidden_size "
              + dims.hiddenSize() + ", intermediate_size " + dims.intermediateSize()
              + ", vocab_size " + dims.vocabSize() + " and the head sizes declare " + parameters
              + " parameters, but " + checkpoint.origin().getFileName() + " holds only "
              + present + " bytes of tensors");
    }
  }

  private void place(Tensor tensor) {
    WeightName weight = WeightName.parse(tensor.name()).orElseThrow(() -> new CheckpointException(
        tensor.file(), "tensor " + CheckpointException.quote(tensor.name())
            + " is not a weight of a Llama/LCKV model (spec: no biases, standard names)"));
    switch (weight) {
      case WeightName.Model(ModelWeight w) -> {
        // With tied embeddings the output layer is embed_tokens; a stored copy is not used.
        if (w != ModelWeight.LM_HEAD || !config.tieWordEmbeddings()) {
          checkShape(tensor, w.expectedShape(dims), w.shapeRule());
          modelWeights.put(w, tensor);
        }
      }
      case WeightName.InLayer(int layer, LayerWeight w) -> {
        checkLayerExists(tensor, layer);
        if (w.kvOnly() && !layout.isKvLayer(layer)) {
          throw notAKvLayer(tensor, layer);
        }
        checkShape(tensor, w.expectedShape(dims), w.shapeRule());
        layerWeights.computeIfAbsent(layer, l -> new EnumMap<>(LayerWeight.class)).put(w, tensor);
      }
      case WeightName.RotaryFrequencies(int layer) -> checkLayerExists(tensor, layer);
    }
  }

  /**
   * Refused, not ignored: the authors' code builds no k/v projections for non-KV layers, so a
   * stray one almost always means layer_types does not describe these weights (for instance a
   * plain Llama checkpoint with an LCKV config), and converting would silently compute
   * something else than what was trained.
   */
  private CheckpointException notAKvLayer(Tensor tensor, int layer) {
    return new CheckpointException(
        tensor.file(), "tensor " + CheckpointException.quote(tensor.name()) + " belongs to layer "
            + layer + ", which is not a KV layer: no token of layer_types in "
            + config.file().getFileName() + " reads it, so it has no k_proj/v_proj (KV layers: "
            + layout.kvLayers() + ")");
  }

  private void checkLayerExists(Tensor tensor, int layer) {
    if (layer >= dims.numLayers()) {
      throw new CheckpointException(
          tensor.file(), "tensor " + CheckpointException.quote(tensor.name()) + " belongs to layer "
              + layer + " but num_hidden_layers in " + config.file().getFileName() + " is "
              + dims.numLayers());
    }
  }

  private void checkShape(Tensor tensor, Shape expected, String rule) {
    if (!tensor.shape().equals(expected)) {
      throw new CheckpointException(
          tensor.file(), "tensor " + CheckpointException.quote(tensor.name()) + " has shape "
              + tensor.shape() + " but " + config.file().getFileName() + " implies " + rule
              + " = " + expected);
    }
  }

  private ModelWeights assemble() {
    Tensor embed = required(ModelWeight.EMBED_TOKENS);
    Tensor lmHead = config.tieWordEmbeddings() ? embed : required(ModelWeight.LM_HEAD);
    var layers = new ArrayList<LayerWeights>(dims.numLayers());
    for (int i = 0; i < dims.numLayers(); i++) {
      Map<LayerWeight, Tensor> found = layerWeights.getOrDefault(i, Map.of());
      Optional<KvProjection> kv = layout.isKvLayer(i)
          ? Optional.of(new KvProjection(
              required(found, i, LayerWeight.K_PROJ), required(found, i, LayerWeight.V_PROJ)))
          : Optional.empty();
      layers.add(new LayerWeights(
          required(found, i, LayerWeight.INPUT_NORM),
          required(found, i, LayerWeight.Q_PROJ),
          kv,
          required(found, i, LayerWeight.O_PROJ),
          required(found, i, LayerWeight.POST_ATTENTION_NORM),
          required(found, i, LayerWeight.GATE_PROJ),
          required(found, i, LayerWeight.UP_PROJ),
          required(found, i, LayerWeight.DOWN_PROJ)));
    }
    return new ModelWeights(embed, List.copyOf(layers), required(ModelWeight.FINAL_NORM), lmHead);
  }

  private Tensor required(ModelWeight weight) {
    Tensor tensor = modelWeights.get(weight);
    if (tensor == null) {
      String why = weight == ModelWeight.LM_HEAD
          ? " (tie_word_embeddings is false, so the output layer must be stored)"
          : "";
      throw missing(weight.tensorName, why);
    }
    return tensor;
  }

  private Tensor required(Map<LayerWeight, Tensor> found, int layer, LayerWeight weight) {
    Tensor tensor = found.get(weight);
    if (tensor == null) {
      String why = weight.kvOnly()
          ? " (layer " + layer + " is a KV layer: layer_types has readers of it)"
          : "";
      throw missing(weight.nameIn(layer), why);
    }
    return tensor;
  }

  private CheckpointException missing(String name, String why) {
    return new CheckpointException(
        checkpoint.origin(), "tensor " + CheckpointException.quote(name) + " is missing" + why);
  }
}
