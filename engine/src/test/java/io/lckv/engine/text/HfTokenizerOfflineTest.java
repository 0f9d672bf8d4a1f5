package io.lckv.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads the tokenizer in a fresh JVM with no name resolution (an empty hosts file), an empty DJL
 * cache and home, and every connection attempt recorded: loading must unpack the bundled native
 * library and never reach for the network.
 */
class HfTokenizerOfflineTest {

  @TempDir Path dir;

  private String probe(Map<String, String> environment, String... extraArgs)
      throws IOException, InterruptedException {
    Path hosts = Files.writeString(dir.resolve("hosts"), "");
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElseThrow());
    command.add("-Djdk.net.hosts.file=" + hosts);
    command.add("-Duser.home=" + dir.resolve("home"));
    command.add("-DENGINE_CACHE_DIR=" + dir.resolve("djl-cache"));
    command.add("-DDJL_CACHE_DIR=" + dir.resolve("djl-cache"));
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(OfflineLoadProbe.class.getName());
    command.add(ByteLevelBpeFixture.write(dir).toString());
    command.addAll(List.of(extraArgs));
    var builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("DJL_OFFLINE");
    builder.environment().putAll(environment);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, process.waitFor(), output);
    return output;
  }

  @Test
  void loadsFromTheBundledLibraryWithoutTouchingTheNetwork() throws Exception {
    String output = probe(Map.of(), "http://127.0.0.1:9/");
    assertTrue(output.contains("decoded=café €"), output);
    assertTrue(output.contains("attempts while loading=[]"), output);
    // the recorder does see connections: the probe's own deliberate one
    assertTrue(output.contains("attempts in all=[http://127.0.0.1:9/]"), output);
  }

  @Test
  void anEnvironmentThatTurnsOfflineModeOffIsRefused() throws Exception {
    String output = probe(Map.of("DJL_OFFLINE", "false"));
    assertTrue(
        output.contains("refused=DJL_OFFLINE=false in the environment lets DJL download"), output);
    assertTrue(output.contains("attempts while loading=[]"), output);
  }
}
