package io.lckv.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lckv.converter.golden.Golden;
import io.lckv.nativeops.OpLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFolderTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path root;

  private final Golden golden = FixtureModels.all().getFirst().load();

  @Test
  void readsWhatTheEngineNeeds() {
    ModelFolder folder = FixtureModels.converted(golden);
    assertEquals(OpLibrary.version(), folder.opsVersion());
    assertEquals(golden.reading().kvLayers().size(), folder.numKvLayers());
    assertEquals(golden.reading().maxPasses(), folder.maxPasses());
    assertEquals(List.of(2), folder.eosTokenIds());
    assertTrue(folder.tokenizerFile().isEmpty(), "the fixtures have no tokenizer");
  }

  @Test
  void refusesAnotherOpContract() throws IOException {
    var e = broken(config -> ((ObjectNode) config.get("onnx")).put("lckv_ops_version", "0.0.1"));
    assertTrue(e.getMessage().contains("written for op contract 0.0.1"), e.getMessage());
  }

  @Test
  void refusesAnotherSchemaVersion() throws IOException {
    var e = broken(config -> config.put("schema_version", 2));
    assertTrue(e.getMessage().contains("schema_version 2"), e.getMessage());
  }

  @Test
  void namesAMissingOrMistypedField() throws IOException {
    var missing = broken(config -> ((ObjectNode) config.get("dimensions")).remove("head_dim"));
    assertTrue(missing.getMessage().endsWith("runtime-config.json: dimensions.head_dim is required"),
        missing.getMessage());
    var mistyped = broken(config -> ((ObjectNode) config.get("passes")).put("max_passes", "9"));
    assertTrue(mistyped.getMessage().contains("passes.max_passes must be an integer"),
        mistyped.getMessage());
    var eos = broken(config -> ((ObjectNode) config.get("tokens")).putArray("eos_token_ids")
        .add(1 << 20));
    assertTrue(eos.getMessage().contains("tokens.eos_token_ids holds 1048576"), eos.getMessage());
  }

  @Test
  void refusesAModelFileOutsideTheFolder() throws IOException {
    var e = broken(config -> ((ObjectNode) config.get("files")).put("model", "../model.onnx"));
    assertTrue(e.getMessage().contains("files.model names ../model.onnx, which is not a file in"),
        e.getMessage());
  }

  @Test
  void refusesAFolderWithoutRuntimeConfig() {
    var e = assertThrows(ModelLoadException.class, () -> ModelFolder.open(root));
    assertTrue(e.getMessage().contains("not a converted model folder"), e.getMessage());
  }

  private ModelLoadException broken(Consumer<ObjectNode> edit) throws IOException {
    Path copy = Files.createTempDirectory(root, "model");
    try (Stream<Path> files = Files.list(FixtureModels.converted(golden).folder())) {
      for (Path f : files.toList()) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    Path config = copy.resolve("runtime-config.json");
    ObjectNode node = (ObjectNode) JSON.readTree(config.toFile());
    edit.accept(node);
    JSON.writeValue(config.toFile(), node);
    return assertThrows(ModelLoadException.class, () -> ModelFolder.open(copy));
  }
}
