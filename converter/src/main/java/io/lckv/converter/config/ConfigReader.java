package io.lckv.converter.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.lckv.converter.CheckpointException;
import io.lckv.converter.StrictJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * Reads and validates a checkpoint's {@code config.json} into a {@link ModelConfig}. Every
 * refusal names config.json and the field.
 *
 * <p>The upper bounds are far above any released model yet keep every product of two sizes
 * well inside a long; whether the sizes fit the weights actually present is checked once the
 * checkpoint is open.
 */
public final class ConfigReader {

  private static final long MAX_CONFIG_BYTES = 16L << 20;
  private static final int MAX_LAYERS = 1024;
  private static final int MAX_HIDDEN = 1 << 16;
  private static final int MAX_INTERMEDIATE = 1 << 20;
  private static final int MAX_HEADS = 1024;
  private static final int MAX_HEAD_DIM = 1024;
  private static final int MAX_VOCAB = 1 << 22;
  private static final int MAX_POSITIONS = 1 << 24;
  private static final int MAX_PASSES = 1024;

  /** What model_type decides: who reads whom, the pass counts and the diagonal rule. */
  private record Wiring(List<LayerType> types, PassSchedule passes, boolean forceNodiag) {}

  private ConfigReader() {}

  public static ModelConfig read(Path configJson) {
    JsonFields config = new JsonFields(configJson, parse(configJson));
    String typeName = config.requiredString("model_type");
    ModelType type = ModelType.fromConfigName(typeName).orElseThrow(() -> config.error(
        "model_type", CheckpointException.quote(typeName)
            + " is not lckv-llama, llama or opt-llama"));
    rejectUnsupportedArchitecture(config);

    Dimensions dims = dimensions(config);
    boolean useSequential = config.optionalBoolean("use_sequential", false);
    OptionalInt window = config.nullableInt("sliding_window", OptionalInt.of(4096), 1,
        MAX_POSITIONS);

    Wiring wiring = switch (type) {
      case LCKV_LLAMA -> new Wiring(
          config.optionalString("layer_types")
              .map(text -> LayerTypes.parse(config, text, dims.numLayers()))
              .orElseGet(() -> LayerTypes.identity(dims.numLayers())),
          passSchedule(config, useSequential),
          config.optionalBoolean("force_nodiag", false));
      case LLAMA -> new Wiring(
          plainLlamaLayers(config, dims.numLayers()), passSchedule(config, useSequential), false);
      case OPT_LLAMA -> {
        var mapped = OptLlamaMapping.map(config, dims.numLayers(), useSequential);
        yield new Wiring(mapped.layerTypes(), mapped.passes(), true);
      }
    };

    int vocab = dims.vocabSize();
    return new ModelConfig(
        configJson,
        type,
        dims,
        LayerLayout.of(wiring.types(), wiring.forceNodiag(), window),
        wiring.passes(),
        wiring.forceNodiag(),
        window,
        config.positiveNumber("rms_norm_eps", 1e-6),
        config.positiveNumber("rope_theta", 10000.0),
        RopeScalingReader.read(config),
        config.optionalInt("max_position_embeddings", 2048, 1, MAX_POSITIONS),
        config.optionalBoolean("tie_word_embeddings", false),
        // Hugging Face's LlamaConfig defaults, which a checkpoint without the fields was made with.
        config.intOrIntList("bos_token_id", List.of(1), 0, vocab - 1),
        config.intOrIntList("eos_token_id", List.of(2), 0, vocab - 1));
  }

  private static JsonNode parse(Path configJson) {
    try {
      long size = Files.size(configJson);
      if (size > MAX_CONFIG_BYTES) {
        throw new CheckpointException(
            configJson, "is " + size + " bytes, more than a config can need ("
                + MAX_CONFIG_BYTES + ")");
      }
      return StrictJson.parseObject(configJson, "the file", Files.readAllBytes(configJson));
    } catch (NoSuchFileException e) {
      throw new CheckpointException(configJson, "is missing from the checkpoint folder", e);
    } catch (IOException e) {
      throw new CheckpointException(configJson, "cannot be read: " + e.getMessage(), e);
    }
  }

  private static Dimensions dimensions(JsonFields config) {
    int layers = config.requiredInt("num_hidden_layers", 1, MAX_LAYERS);
    int hidden = config.requiredInt("hidden_size", 1, MAX_HIDDEN);
    int intermediate = config.requiredInt("intermediate_size", 1, MAX_INTERMEDIATE);
    int heads = config.requiredInt("num_attention_heads", 1, MAX_HEADS);
    int kvHeads = config.optionalInt("num_key_value_heads", heads, 1, heads);
    if (heads % kvHeads != 0) {
      throw config.error(
          "num_key_value_heads", "(" + kvHeads + ") must divide num_attention_heads (" + heads
              + ") for grouped-query attention");
    }
    int headDim;
    if (config.isSet("head_dim")) {
      headDim = config.requiredInt("head_dim", 2, MAX_HEAD_DIM);
    } else if (hidden % heads != 0) {
      throw config.error(
          "head_dim", "is not set and hidden_size (" + hidden
              + ") is not a multiple of num_attention_heads (" + heads + ")");
    } else {
      headDim = hidden / heads;
    }
    if (headDim % 2 != 0) {
      throw config.error(
          "head_dim", "(" + headDim + ") must be even: RoPE rotates pairs of channels");
    }
    int vocab = config.requiredInt("vocab_size", 1, MAX_VOCAB);
    return new Dimensions(layers, hidden, intermediate, heads, kvHeads, headDim, vocab);
  }

  private static PassSchedule passSchedule(JsonFields config, boolean useSequential) {
    return new PassSchedule(
        config.optionalInt("forward_passes", 7, 0, MAX_PASSES),
        config.optionalInt("backward_passes", 2, 0, MAX_PASSES),
        useSequential);
  }

  /**
   * A {@code llama} config is a plain Llama whatever else it carries. Its {@code layer_types} is
   * not read: newer Hugging Face configs use that name for an unrelated list (e.g.
   * {@code "full_attention"} per layer). {@code force_nodiag: true} is refused rather than
   * ignored, since it asks for different numbers than the checkpoint was trained to give.
   */
  private static List<LayerType> plainLlamaLayers(JsonFields config, int numLayers) {
    if (config.optionalBoolean("force_nodiag", false)) {
      throw config.error(
          "force_nodiag", "must be false for model_type llama; use lckv-llama for LCKV behaviour");
    }
    return LayerTypes.identity(numLayers);
  }

  /**
   * The spec's block has no biases and uses SiLU; anything else would convert wrongly. Newer
   * Hugging Face configs move rope_theta into {@code rope_parameters}: read as is, the default
   * theta would silently apply, so that form is refused until it is supported.
   */
  private static void rejectUnsupportedArchitecture(JsonFields config) {
    if (config.isSet("rope_parameters")) {
      throw config.error(
          "rope_parameters", "is not supported yet: write rope_theta and rope_scaling instead");
    }
    String act = config.optionalString("hidden_act").orElse("silu");
    if (!act.equals("silu")) {
      throw config.error(
          "hidden_act", CheckpointException.quote(act) + " is not supported (only silu)");
    }
    for (String bias : List.of("attention_bias", "mlp_bias")) {
      if (config.optionalBoolean(bias, false)) {
        throw config.error(bias, "must be false: biases are not supported");
      }
    }
  }
}
