package io.lckv.converter.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lckv.converter.CheckpointException;
import io.lckv.converter.ConversionException;
import io.lckv.converter.checkpoint.DType;
import io.lckv.converter.fixtures.SafetensorsWriter;
import io.lckv.converter.fixtures.TestTensor;
import io.lckv.converter.fixtures.TinyModel;
import io.lckv.converter.graph.WeightFormat;
import io.lckv.nativeops.OpLibrary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFolderWriterTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  @TempDir Path tmp;

  private Path checkpoint(List<TestTensor> tensors, DType dtype) {
    Path folder = tmp.resolve("checkpoint");
    TinyModel.writeConfig(folder, TinyModel.config());
    SafetensorsWriter.write(folder.resolve("model.safetensors"), dtype, tensors);
    return folder;
  }

  private Path checkpoint() {
    return checkpoint(TinyModel.tensors(false), DType.BF16);
  }

  private static ModelFolderWriter.Options options(WeightFormat format, boolean force) {
    return new ModelFolderWriter.Options(format, force);
  }

  @Test
  void writesTheFolderWithConfigTokenizerAndReport() throws IOException {
    Path checkpoint = checkpoint();
    Files.writeString(checkpoint.resolve("tokenizer.json"), "{\"model\": {}}");
    Files.writeString(checkpoint.resolve("special_tokens_map.json"), "{}");
    Path out = tmp.resolve("models").resolve("tiny");
    var log = new ByteArrayOutputStream();

    ModelFolderWriter.write(checkpoint, out, options(WeightFormat.FP16, false), Optional.empty(),
        "lckv-convert test", new PrintStream(log, true, StandardCharsets.UTF_8));

    assertEquals(Set.of("model.onnx", "model.onnx.data", "runtime-config.json",
        "conversion-report.json", "tokenizer.json", "special_tokens_map.json"), names(out));
    JsonNode config = JSON.readTree(out.resolve(RuntimeConfig.FILE_NAME).toFile());
    assertEquals(1, config.get("schema_version").intValue());
    assertEquals("fp16", config.at("/onnx/weight_dtype").textValue());
    assertEquals(OpLibrary.version(), config.at("/onnx/lckv_ops_version").textValue());
    assertEquals(2, config.get("kv_layers").size());
    assertEquals(3, config.at("/kv_layers/1/layer").intValue());
    assertEquals(1, config.at("/kv_layers/1/pool_slot").intValue());
    assertEquals(TinyModel.HEAD_DIM / 2, config.at("/rope/inv_freq").size());
    assertEquals("[\"tokenizer.json\",\"special_tokens_map.json\"]",
        config.at("/files/tokenizer").toString());

    JsonNode report = JSON.readTree(out.resolve(ConversionReport.FILE_NAME).toFile());
    JsonNode configEntry = find(report.get("source_files"), "config.json");
    assertEquals(Sha256.of(checkpoint.resolve("config.json")),
        configEntry.get("sha256").textValue());
    assertTrue(find(report.get("source_files"), "model.safetensors") != null);
    assertTrue(find(report.get("source_files"), "tokenizer.json") != null);
    assertEquals("fp16", report.at("/options/dtype").textValue());
    assertTrue(report.get("validation").isNull());

    String progress = log.toString(StandardCharsets.UTF_8);
    int weights = TinyModel.tensors(false).size();
    assertTrue(progress.contains("weight 1/" + weights + " model.embed_tokens.weight"), progress);
    assertTrue(progress.contains("weight " + weights + "/" + weights + " "), progress);
    assertEquals(Set.of("models"), names(tmp).stream().filter(n -> !n.equals("checkpoint"))
        .collect(Collectors.toSet()), "nothing else next to the output");
  }

  @Test
  void anExistingFolderIsKeptWithoutForce() throws IOException {
    Path out = existingFolder();
    var e = assertThrows(ConversionException.class, () -> ModelFolderWriter.write(checkpoint(),
        out, options(WeightFormat.FP32, false), Optional.empty(), "test", QUIET));
    assertTrue(e.getMessage().contains("--force"), e.getMessage());
    assertEquals("old", Files.readString(out.resolve("keep.txt")));
  }

  @Test
  void forceReplacesAnExistingFolder() throws IOException {
    Path out = existingFolder();
    ModelFolderWriter.write(checkpoint(), out, options(WeightFormat.FP32, true),
        Optional.empty(), "test", QUIET);
    assertTrue(Files.exists(out.resolve("model.onnx")));
    assertTrue(!Files.exists(out.resolve("keep.txt")));
    assertEquals(Set.of("checkpoint", "out"), names(tmp), "no partial or replaced folder left");
  }

  /** A weight beyond float16's range fails the conversion after other weights were written. */
  @Test
  void aFailureWhileWritingLeavesTheOldFolderAndNothingElse() throws IOException {
    List<TestTensor> tensors = new ArrayList<>(TinyModel.tensors(false));
    TestTensor down = TinyModel.tensor(tensors, "model.layers.2.mlp.down_proj.weight");
    float[] values = down.values().clone();
    values[3] = 1e6f;
    tensors.set(tensors.indexOf(down), new TestTensor(down.name(), down.shape(), values));
    Path checkpoint = checkpoint(tensors, DType.F32);
    Path out = existingFolder();

    var e = assertThrows(CheckpointException.class, () -> ModelFolderWriter.write(checkpoint,
        out, options(WeightFormat.FP16, true), Optional.empty(), "test", QUIET));

    assertTrue(e.getMessage().contains("model.layers.2.mlp.down_proj.weight"), e.getMessage());
    assertTrue(e.getMessage().contains("float16"), e.getMessage());
    assertEquals("old", Files.readString(out.resolve("keep.txt")));
    assertEquals(Set.of("checkpoint", "out"), names(tmp));
  }

  @Test
  void aFailedCheckLeavesNothingBehind() throws IOException {
    Path out = tmp.resolve("out");
    assertThrows(ConversionException.class, () -> ModelFolderWriter.write(checkpoint(), out,
        options(WeightFormat.FP32, false),
        Optional.of((folder, model) -> {
          assertTrue(Files.exists(folder.resolve("model.onnx")), "checked before publishing");
          throw new ConversionException("validation failed: test");
        }),
        "test", QUIET));
    assertEquals(Set.of("checkpoint"), names(tmp));
  }

  @Test
  void theCheckpointFolderIsNeverTheTarget() {
    Path checkpoint = checkpoint();
    for (Path out : List.of(checkpoint, tmp)) {
      var e = assertThrows(ConversionException.class, () -> ModelFolderWriter.write(checkpoint,
          out, options(WeightFormat.FP32, true), Optional.empty(), "test", QUIET));
      assertTrue(e.getMessage().contains("must not be the checkpoint"), e.getMessage());
    }
    assertTrue(Files.exists(checkpoint.resolve("model.safetensors")));
  }

  private Path existingFolder() throws IOException {
    Path out = Files.createDirectories(tmp.resolve("out"));
    Files.writeString(out.resolve("keep.txt"), "old");
    return out;
  }

  private static JsonNode find(JsonNode files, String name) {
    for (JsonNode file : files) {
      if (file.get("file").textValue().equals(name)) {
        return file;
      }
    }
    return null;
  }

  private static Set<String> names(Path folder) throws IOException {
    try (var files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }
}
