package io.lckv.server;

import io.smallrye.config.DotEnvConfigSourceProvider;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code lckv.*} settings read before Quarkus boots, so that the model can be opened while
 * Quarkus boots, from the sources Quarkus reads for a packaged server: system properties, the
 * environment, a {@code .env} file and {@code config/application.properties} in the working
 * directory, the application's {@code application.properties}, and the active profile's keys.
 * What is opened early is only served when it matches what Quarkus resolved ({@code
 * ModelPreload}), so a source only Quarkus knows costs time, never correctness.
 */
final class EarlyConfig {

  private EarlyConfig() {}

  /** The settings, or empty when they cannot be read this way (Quarkus then reports why). */
  static Optional<ServerConfig> read(ClassLoader classLoader, Path workingDirectory) {
    try {
      var builder = new SmallRyeConfigBuilder()
          .addDefaultSources()
          .addDiscoveredConverters()
          .withProfile(profile())
          .withMapping(ServerConfig.class)
          .withSources(DotEnvConfigSourceProvider.dotEnvSources(
              workingDirectory.resolve(".env").toUri().toString(), classLoader));
      Path local = workingDirectory.resolve("config/application.properties");
      if (Files.isRegularFile(local)) {
        builder.withSources(new PropertiesConfigSource(local.toUri().toURL(), 260));
      }
      URL properties = classLoader.getResource("application.properties");
      if (properties != null) {
        builder.withSources(new PropertiesConfigSource(properties, 250));
      }
      return Optional.of(builder.build().getConfigMapping(ServerConfig.class));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Quarkus' profile of a packaged application: {@code prod} unless one is named. */
  private static String profile() {
    String named = System.getProperty("quarkus.profile", System.getenv("QUARKUS_PROFILE"));
    return named != null ? named : "prod";
  }
}
