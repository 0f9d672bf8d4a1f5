package io.lckv.converter.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lckv.converter.checkpoint.DType;
import io.lckv.converter.checkpoint.Shape;
import io.lckv.converter.fixtures.SafetensorsWriter;
import io.lckv.converter.fixtures.TestTensor;
import io.lckv.converter.fixtures.TinyModel;
import io.lckv.converter.fixtures.TorchZipWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidatedModelTest {

  @TempDir Path dir;

  private ValidatedModel open(ObjectNode config, DType dtype, List<TestTensor> tensors) {
    TinyModel.writeConfig(dir, config);
    SafetensorsWriter.write(dir.resolve("model.safetensors"), dtype, tensors);
    return ValidatedModel.open(dir);
  }

  @Test
  void bindsEveryTensorToItsRole() {
    List<TestTensor> tensors = TinyModel.tensors(false);
    try (ValidatedModel m = open(TinyModel.config(), DType.BF16, tensors)) {
      ModelWeights w = m.weights();
      assertEquals(4, w.layers().size());
      assertEquals(List.of(true, false, false, true),
          w.layers().stream().map(l -> l.kv().isPresent()).toList());
      LayerWeights top = w.layers().get(3);
      assertEquals("model.layers.3.self_attn.k_proj.weight", top.kv().orElseThrow().kProj().name());
      assertEquals(Shape.of(4, 8), top.kv().orElseThrow().vProj().shape());
      assertEquals(Shape.of(8, 8), top.qProj().shape());
      assertEquals(Shape.of(8, 12), top.downProj().shape());
      assertEquals("lm_head.weight", w.lmHead().name());
      assertArrayEquals(TinyModel.tensor(tensors, "lm_head.weight").values(),
          w.lmHead().toFloatArray());
      assertArrayEquals(TinyModel.tensor(tensors, "model.layers.2.mlp.up_proj.weight").values(),
          w.layers().get(2).upProj().toFloatArray());
    }
  }

  @Test
  void tiedEmbeddingsServeAsTheOutputLayer() {
    ObjectNode config = TinyModel.config().put("tie_word_embeddings", true);
    try (ValidatedModel m = open(config, DType.F16, TinyModel.tensors(true))) {
      assertSame(m.weights().embedTokens(), m.weights().lmHead());
    }
  }

  @Test
  void aStoredLmHeadIsIgnoredWhenTied() {
    ObjectNode config = TinyModel.config().put("tie_word_embeddings", true);
    try (ValidatedModel m = open(config, DType.F32, TinyModel.tensors(false))) {
      assertEquals("model.embed_tokens.weight", m.weights().lmHead().name());
    }
  }

  @Test
  void torchArchivesBindTheSameWay() {
    TinyModel.writeConfig(dir, TinyModel.config());
    TorchZipWriter.write(dir.resolve("pytorch_model.bin"), DType.F16, TinyModel.tensors(false));
    try (ValidatedModel m = ValidatedModel.open(dir)) {
      assertEquals(DType.F16, m.weights().finalNorm().dtype());
      assertEquals(dir.resolve("pytorch_model.bin"), m.checkpoint().origin());
    }
  }

  @Test
  void plainLlamaNeedsKeysAndValuesEverywhere() {
    ObjectNode config = TinyModel.config().put("model_type", "llama");
    config.remove(List.of("layer_types", "force_nodiag"));
    var tensors = TinyModel.tensors(Set.of(0, 1, 2, 3), false);
    try (ValidatedModel m = open(config, DType.F32, tensors)) {
      assertTrue(m.weights().layers().stream().allMatch(l -> l.kv().isPresent()));
    }
  }

  @Test
  void rotaryFrequencyBuffersOfOlderCheckpointsAreSkipped() {
    var tensors = new ArrayList<>(TinyModel.tensors(false));
    tensors.add(TestTensor.of("model.layers.1.self_attn.rotary_emb.inv_freq", 0, 2));
    try (ValidatedModel m = open(TinyModel.config(), DType.F32, tensors)) {
      assertEquals(4, m.weights().layers().size());
    }
  }
}
