package io.lckv.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.converter.checkpoint.DType;
import io.lckv.converter.fixtures.SafetensorsWriter;
import io.lckv.converter.fixtures.TinyModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertCommandTest {

  @TempDir Path tmp;

  @Test
  void versionExitsZero() {
    assertEquals(0, ConvertCommand.run("--version"));
  }

  @Test
  void missingArgumentsAreAUsageError() {
    assertEquals(2, ConvertCommand.run());
  }

  @Test
  void aMissingCheckpointFolderFailsNamingIt() {
    Path missing = tmp.resolve("no-such-checkpoint");
    String err = stderrOfFailedRun(missing);
    assertTrue(err.contains(missing.toString()));
  }

  @Test
  void anInvalidCheckpointFailsWithTheRefusal() {
    Path folder = tmp.resolve("checkpoint");
    TinyModel.writeConfig(folder, TinyModel.config().put("layer_types", "0_1_1"));
    String err = stderrOfFailedRun(folder);
    assertTrue(err.startsWith("lckv-convert: " + folder.resolve("config.json")
        + ": layer_types has 3 tokens but num_hidden_layers is 4"), err);
  }

  @Test
  void aValidCheckpointIsReportedBeforeTheMissingOnnxStage() {
    Path folder = tmp.resolve("checkpoint");
    TinyModel.writeConfig(folder, TinyModel.config());
    SafetensorsWriter.write(folder.resolve("model.safetensors"), DType.BF16,
        TinyModel.tensors(false));
    String err = stderrOfFailedRun(folder);
    assertTrue(err.contains("valid checkpoint, 4 layers, 2 KV layers"), err);
  }

  /** Runs a conversion that must exit 1 and returns what it printed to stderr. */
  private String stderrOfFailedRun(Path checkpoint) {
    PrintStream saved = System.err;
    var err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      assertEquals(1, ConvertCommand.run(checkpoint.toString(), tmp.resolve("out").toString()));
    } finally {
      System.setErr(saved);
    }
    return err.toString(StandardCharsets.UTF_8);
  }
}
