package io.lckv.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    PrintStream saved = System.err;
    var err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      assertEquals(1, ConvertCommand.run(missing.toString(), tmp.resolve("out").toString()));
    } finally {
      System.setErr(saved);
    }
    assertTrue(err.toString(StandardCharsets.UTF_8).contains(missing.toString()));
  }
}
