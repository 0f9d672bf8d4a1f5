package io.lckv.converter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lckv.converter.CheckpointException;
import io.lckv.converter.fixtures.TinyModel;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigReaderTest {

  @TempDir Path tmp;

  private ModelConfig read(ObjectNode config) {
    return ConfigReader.read(TinyModel.writeConfig(tmp, config));
  }

  private String refusal(ObjectNode config) {
    return assertThrows(CheckpointException.class, () -> read(config)).getMessage();
  }

  @Test
  void readsTheTinyModel() {
    ModelConfig c = read(TinyModel.config());
    assertEquals(ModelType.LCKV_LLAMA, c.declaredType());
    assertEquals(new Dimensions(4, 8, 12, 2, 1, 4, 16), c.dimensions());
    assertEquals(2, c.dimensions().queriesPerKvHead());
    assertEquals(8, c.dimensions().queryWidth());
    assertEquals(4, c.dimensions().kvWidth());
    assertEquals(List.of(0, 3), c.layout().kvLayers());
    assertEquals(new PassSchedule(7, 2, false), c.passes());
    assertEquals(OptionalInt.of(4096), c.slidingWindow());
    assertEquals(1e-5, c.rmsNormEps());
    assertEquals(new RopeScaling.None(), c.ropeScaling());
    assertEquals(List.of(1), c.bosTokenIds());
    assertEquals(List.of(2), c.eosTokenIds());
    assertTrue(c.forceNodiag());
    assertFalse(c.tieWordEmbeddings());
  }

  @Test
  void appliesTheSpecDefaults() {
    ObjectNode config = TinyModel.config();
    config.remove(List.of("layer_types", "forward_passes", "backward_passes", "force_nodiag",
        "sliding_window", "head_dim", "num_key_value_heads", "rms_norm_eps", "rope_theta",
        "bos_token_id", "eos_token_id"));
    ModelConfig c = read(config);
    assertEquals(List.of(0, 1, 2, 3), c.layout().kvLayers());
    assertEquals(9, c.passes().maxPasses());
    assertFalse(c.forceNodiag());
    assertEquals(OptionalInt.of(4096), c.slidingWindow());
    assertEquals(4, c.dimensions().headDim(), "hidden / heads");
    assertEquals(2, c.dimensions().numKvHeads(), "defaults to the query heads");
    assertEquals(1e-6, c.rmsNormEps());
    assertEquals(10000.0, c.ropeTheta());
    assertEquals(List.of(2), c.eosTokenIds(), "Hugging Face's LlamaConfig default");
    assertEquals(List.of(1), c.bosTokenIds());
  }

  @Test
  void aNullSlidingWindowMeansNone() {
    ObjectNode config = TinyModel.config().putNull("sliding_window");
    config.put("layer_types", "0s_3_3s_3");
    ModelConfig c = read(config);
    assertEquals(OptionalInt.empty(), c.slidingWindow());
    assertEquals(OptionalInt.empty(), c.layout().layer(0).window());
  }

  @Test
  void eosMayBeAList() {
    ObjectNode config = TinyModel.config();
    config.putArray("eos_token_id").add(2).add(7);
    assertEquals(List.of(2, 7), read(config).eosTokenIds());
  }

  @Test
  void plainLlamaReadsItselfEverywhere() {
    ObjectNode config = TinyModel.config().put("model_type", "llama");
    config.remove(List.of("layer_types", "force_nodiag"));
    ModelConfig c = read(config);
    assertEquals(ModelType.LLAMA, c.declaredType());
    assertEquals(List.of(0, 1, 2, 3), c.layout().kvLayers());
    assertFalse(c.forceNodiag());
  }

  @Test
  void plainLlamaIgnoresLayerTypes() {
    List<Integer> identity = List.of(0, 1, 2, 3);
    ObjectNode lckvString = TinyModel.config().put("model_type", "llama").put("force_nodiag", false);
    assertEquals(identity, sources(read(lckvString)), "an LCKV layer_types string is not read");

    ObjectNode huggingFaceList = TinyModel.config().put("model_type", "llama");
    huggingFaceList.remove("force_nodiag");
    huggingFaceList.putArray("layer_types").add("full_attention").add("full_attention")
        .add("sliding_attention").add("full_attention");
    ModelConfig c = read(huggingFaceList);
    assertEquals(identity, sources(c), "newer Hugging Face configs' list of strings");
    assertEquals(identity, c.layout().kvLayers());
    assertTrue(c.layout().layers().stream().allMatch(l -> l.window().isEmpty()));
  }

  @Test
  void plainLlamaRefusesForceNodiag() {
    ObjectNode config = TinyModel.config().put("model_type", "llama");
    config.remove("layer_types");
    assertTrue(refusal(config).contains("force_nodiag must be false for model_type llama"));
  }

  @Test
  void optLlamaMapsCodesToTheTargetLayer() {
    ObjectNode config = optLlama("0_1_1_2", -1);
    ModelConfig c = read(config);
    assertEquals(ModelType.OPT_LLAMA, c.declaredType());
    assertEquals(List.of(0, 3), c.layout().kvLayers());
    assertEquals(List.of(0, 3, 3, 3),
        c.layout().layers().stream().map(Layer::source).toList());
    assertEquals(new PassSchedule(7, 2, false), c.passes(), "defaults 8 and 1 give 7 and 2");
    assertTrue(c.forceNodiag());
    assertTrue(c.layout().layers().stream().allMatch(Layer::nodiag));
  }

  @Test
  void optLlamaTargetIsTakenModuloTheLayerCount() {
    ObjectNode config = optLlama("0_1_2_0", -2).put("num_encoders", 5).put("num_trained_encoders",
        2);
    ModelConfig c = read(config);
    assertEquals(List.of(0, 2, 2, 3), c.layout().layers().stream().map(Layer::source).toList());
    assertEquals(new PassSchedule(3, 3, false), c.passes());
    assertEquals(2, read(optLlama("0_1_2_0", 6)).layout().layer(1).source(), "6 mod 4");
  }

  @Test
  void optLlamaReadsTheDeprecatedFieldsAsTheReferenceDoes() {
    assertEquals(new PassSchedule(8, 1, false),
        read(optLlama("0_1_1_2", -1).put("train_last_encoder", "none")).passes());
    assertEquals(new PassSchedule(7, 2, false), read(optLlama("0_1_1_2", -1)
        .put("train_last_encoder", "encoder").put("num_trained_encoders", 3)).passes(),
        "train_last_encoder wins");
    assertEquals(new PassSchedule(5, 4, false),
        read(optLlama("0_1_1_2", -1).put("train_last_encoder", "3")).passes());
    assertEquals(new PassSchedule(5, 4, false),
        read(optLlama("0_1_1_2", -1).put("train_last_encoder", 3)).passes());

    ModelConfig warmup = read(optLlama("0_1_2_0", 2).put("num_warmup_layers", 1));
    assertEquals(List.of(0, 3, 3, 3),
        warmup.layout().layers().stream().map(Layer::source).toList(),
        "num_warmup_layers replaces layer_types and target_layer");
  }

  @Test
  void optLlamaRefusesBadDeprecatedFields() {
    assertTrue(refusal(optLlama("0_1_1_2", -1).put("train_last_encoder", "all"))
        .contains("train_last_encoder must be \"none\", \"encoder\" or a count"));
    assertTrue(refusal(optLlama("0_1_1_2", -1).put("train_last_encoder", true))
        .contains("train_last_encoder"));
    assertTrue(refusal(optLlama("0_1_1_2", -1).put("num_warmup_layers", 4))
        .contains("num_warmup_layers"));
  }

  @Test
  void optLlamaRefusesMoreTrainedEncodersThanEncoders() {
    ObjectNode config = optLlama("0_1_1_2", -1).put("num_encoders", 2).put("num_trained_encoders",
        3);
    assertTrue(refusal(config)
        .contains("num_trained_encoders (3) must not exceed num_encoders (2)"));
  }

  @Test
  void ropeScalingLinearAndLlama3AreRead() {
    ObjectNode linear = TinyModel.config();
    linear.putObject("rope_scaling").put("type", "linear").put("factor", 2.0);
    assertEquals(new RopeScaling.Linear(2.0), read(linear).ropeScaling());

    ObjectNode llama3 = TinyModel.config();
    llama3.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0)
        .put("low_freq_factor", 1.0).put("high_freq_factor", 4.0)
        .put("original_max_position_embeddings", 8192);
    assertEquals(new RopeScaling.Llama3(8.0, 1.0, 4.0, 8192), read(llama3).ropeScaling());
  }

  @Test
  void ropeScalingDefaultTypeMeansNone() {
    ObjectNode config = TinyModel.config();
    config.putObject("rope_scaling").put("rope_type", "default");
    assertEquals(new RopeScaling.None(), read(config).ropeScaling());
  }

  @Test
  void ropeScalingLlama3NeedsHighAboveLow() {
    ObjectNode config = TinyModel.config();
    config.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0)
        .put("low_freq_factor", 4.0).put("high_freq_factor", 4.0)
        .put("original_max_position_embeddings", 8192);
    assertTrue(refusal(config).contains("rope_scaling.high_freq_factor (4.0) must exceed"));
  }

  @Test
  void ropeScalingFactorBelowOneIsRefused() {
    ObjectNode config = TinyModel.config();
    config.putObject("rope_scaling").put("type", "linear").put("factor", 0.5);
    assertTrue(refusal(config).contains("rope_scaling.factor must be at least 1"));
  }

  @Test
  void unsupportedArchitecturesAreRefused() {
    assertTrue(refusal(TinyModel.config().put("hidden_act", "gelu"))
        .contains("hidden_act \"gelu\" is not supported"));
    assertTrue(refusal(TinyModel.config().put("attention_bias", true))
        .contains("attention_bias must be false"));
  }

  @Test
  void ropeParametersAreRefusedRatherThanDefaultingTheta() {
    ObjectNode config = TinyModel.config();
    config.remove("rope_theta");
    config.putObject("rope_parameters").put("rope_theta", 500000.0).put("rope_type", "default");
    assertTrue(refusal(config).contains("config.json: rope_parameters is not supported yet"));
  }

  @Test
  void aMissingConfigIsNamed() {
    var e = assertThrows(CheckpointException.class,
        () -> ConfigReader.read(tmp.resolve("config.json")));
    assertTrue(e.getMessage().endsWith("config.json: is missing from the checkpoint folder"));
  }

  private static List<Integer> sources(ModelConfig c) {
    return c.layout().layers().stream().map(Layer::source).toList();
  }

  static ObjectNode optLlama(String codes, int target) {
    ObjectNode config = TinyModel.config().put("model_type", "opt-llama").put("layer_types", codes);
    config.put("target_layer", target);
    config.remove(List.of("forward_passes", "backward_passes", "force_nodiag"));
    return config;
  }
}
