package io.lckv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings read before Quarkus boots, from an application's own application.properties. */
class EarlyConfigTest {

  @TempDir Path app;
  @TempDir Path workingDirectory;

  private ClassLoader applicationWith(String properties) throws IOException {
    Files.writeString(app.resolve("application.properties"), properties);
    return new URLClassLoader(new URL[] {app.toUri().toURL()}, null);
  }

  @Test
  void theApplicationsPropertiesAndTheProdProfile() throws IOException {
    ServerConfig config = read(applicationWith("""
        lckv.max-batch=7
        %prod.lckv.max-waiting=9
        %dev.lckv.max-waiting=11
        quarkus.http.port=8081
        """)).orElseThrow();
    assertEquals(7, config.maxBatch());
    assertEquals(9, config.maxWaiting());
    assertEquals(Path.of("models/lckv-tiny-w2"), config.modelPath());
  }

  @Test
  void settingsQuarkusWouldRefuseAreNotReadEarly() throws IOException {
    assertEquals(Optional.empty(), read(applicationWith("lckv.max-bach=7\n")));
    assertEquals(Optional.empty(), read(applicationWith("lckv.max-batch=many\n")));
  }

  @Test
  void theServersOwnPropertiesReadEarly() {
    assertTrue(read(EarlyConfigTest.class.getClassLoader()).isPresent());
  }

  @Test
  void theWorkingDirectorysDotEnvAndConfigFolderComeFirst() throws IOException {
    ClassLoader application = applicationWith("lckv.max-batch=7\nlckv.max-waiting=9\n");
    Files.writeString(workingDirectory.resolve(".env"), "LCKV_MAX_BATCH=5\n");
    Files.createDirectories(workingDirectory.resolve("config"));
    Files.writeString(workingDirectory.resolve("config/application.properties"),
        "lckv.max-batch=6\nlckv.max-waiting=8\n");
    ServerConfig config = read(application).orElseThrow();
    assertEquals(5, config.maxBatch());
    assertEquals(8, config.maxWaiting());
  }

  private Optional<ServerConfig> read(ClassLoader application) {
    return EarlyConfig.read(application, workingDirectory);
  }
}
