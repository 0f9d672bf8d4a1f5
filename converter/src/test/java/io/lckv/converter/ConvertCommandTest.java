package io.lckv.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lckv.converter.checkpoint.DType;
import io.lckv.converter.fixtures.SafetensorsWriter;
import io.lckv.converter.fixtures.TinyModel;
import io.lckv.converter.golden.GoldenFixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
  void anUnknownDtypeIsAUsageError() {
    assertEquals(2, ConvertCommand.run(tmp.toString(), tmp.resolve("out").toString(),
        "--dtype", "int4"));
  }

  @Test
  void anUnknownInt8AccuracyIsAUsageError() {
    assertEquals(2, ConvertCommand.run(tmp.toString(), tmp.resolve("out").toString(),
        "--dtype", "int8", "--int8-accuracy", "fp16"));
  }

  @Test
  void aThreadCountBelowOneIsAUsageError() {
    for (String threads : new String[] {"0", "-2", "many"}) {
      assertEquals(2, ConvertCommand.run(tmp.toString(), tmp.resolve("out").toString(),
          "--threads", threads), threads);
    }
  }

  /** A golden fixture: TinyModel's patterned weights amplify float32 rounding past 1e-4. */
  @Test
  void aValidatedConversionExitsZeroAndRecordsTheFigures() throws IOException {
    Path folder = GoldenFixtures.named("lckv-sandwich-bf16-sharded").load().checkpoint();
    Path out = tmp.resolve("out");
    String err = stderrOf(0, folder.toString(), out.toString(), "--validate", "--threads", "3");
    assertTrue(err.contains("validation: max |dlogit|"), err);
    assertTrue(err.contains("wrote " + out), err);
    JsonNode report = TinyModel.JSON.readTree(out.resolve("conversion-report.json").toFile());
    assertTrue(report.at("/validation/passed").booleanValue(), report.toString());
    assertTrue(report.at("/validation/max_abs_logit_diff").doubleValue() <= 1e-4);
    assertEquals(3, report.at("/options/threads").intValue());
  }

  @Test
  void anExistingOutputFailsWithoutForceAndIsReplacedWithIt() throws IOException {
    Path folder = tinyCheckpoint();
    Path out = Files.createDirectories(tmp.resolve("out"));
    String err = stderrOf(1, folder.toString(), out.toString(), "--dtype", "int8");
    assertTrue(err.contains("already exists (use --force to replace it)"), err);
    stderrOf(0, folder.toString(), out.toString(), "--dtype", "int8", "--force");
    assertTrue(Files.exists(out.resolve("model.onnx")));
  }

  private Path tinyCheckpoint() {
    Path folder = tmp.resolve("checkpoint");
    TinyModel.writeConfig(folder, TinyModel.config());
    SafetensorsWriter.write(folder.resolve("model.safetensors"), DType.BF16,
        TinyModel.tensors(false));
    return folder;
  }

  /** Runs the command expecting {@code exit} and returns what it printed to stderr. */
  private static String stderrOf(int exit, String... args) {
    PrintStream saved = System.err;
    var err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      assertEquals(exit, ConvertCommand.run(args), () -> err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(saved);
    }
    return err.toString(StandardCharsets.UTF_8);
  }

  /** Runs a conversion that must exit 1 and returns what it printed to stderr. */
  private String stderrOfFailedRun(Path checkpoint) {
    return stderrOf(1, checkpoint.toString(), tmp.resolve("out").toString());
  }
}
