package io.lckv.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.converter.golden.Golden;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lckv-prepack} fills the model cache the server maps packed weights from. */
class PrepackCommandTest {

  @TempDir Path temp;

  private final ByteArrayOutputStream output = new ByteArrayOutputStream();
  private final Golden golden = FixtureModels.all().getFirst().load();

  private int run(String... args) {
    return PrepackCommand.run(new PrintStream(output, true, StandardCharsets.UTF_8), args);
  }

  private String output() {
    return output.toString(StandardCharsets.UTF_8);
  }

  @Test
  void writesTheEntryTheServerLooksForAndFindsItAgain() {
    ModelFolder model = FixtureModels.converted(golden);
    Path cache = temp.resolve("cache");
    assertEquals(0, run(model.folder().toString(), "--model-cache", cache.toString()), output());
    Path entry = new PrepackedGraphCache(cache.resolve("prepacked")).entryFor(model);
    assertTrue(Files.isRegularFile(entry.resolve("model.onnx.data")), output());
    assertTrue(output().contains("packing"), output());
    assertEquals(ExecutionDevice.Cpu.keepingPackedWeightsIn(cache, 2).prepackedGraphs(),
        Optional.of(entry.getParent()), "where the server looks");

    output.reset();
    assertEquals(0, run(model.folder().toString(), "--model-cache", cache.toString()), output());
    assertTrue(output().contains("mapping the prepacked weights kept at " + entry), output());
  }

  @Test
  void aFolderThatIsNotAModelFailsNamingIt() {
    Path missing = temp.resolve("missing");
    assertEquals(1, run(missing.toString(), "--model-cache", temp.toString()));
    assertTrue(output().contains(missing + ": not a converted model folder"), output());
  }

  @Test
  void aCacheThatCannotBeWrittenFails() throws IOException {
    Path notAFolder = Files.writeString(temp.resolve("file"), "x");
    ModelFolder model = FixtureModels.converted(golden);
    assertEquals(1, run(model.folder().toString(), "--model-cache", notAFolder.toString()));
    assertTrue(output().contains("are not in " + notAFolder), output());
  }

  @Test
  void theCacheIsRequired() {
    assertEquals(2, run(temp.toString()));
  }
}
