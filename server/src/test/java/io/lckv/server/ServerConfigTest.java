package io.lckv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.server.model.Device;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Every key has a default and can be set by environment variable, as server/README.md says. */
class ServerConfigTest {

  private static ServerConfig config(Map<String, String> environment) {
    SmallRyeConfig config =
        new SmallRyeConfigBuilder()
            .withSources(new EnvConfigSource(environment, 300))
            // Quarkus's, which reads durations such as 30s.
            .addDiscoveredConverters()
            .withMapping(ServerConfig.class)
            .build();
    return config.getConfigMapping(ServerConfig.class);
  }

  /**
   * A misspelt key must stop the service rather than be ignored; built over the service's own
   * application.properties, so a setting there that tolerates unknown keys fails this test.
   */
  @Test
  void anUnknownKeyIsAnErrorNamingIt() throws IOException {
    var properties =
        new PropertiesConfigSource(
            ServerConfigTest.class.getClassLoader().getResource("application.properties"), 250);
    var builder =
        new SmallRyeConfigBuilder()
            .withSources(
                properties, new PropertiesConfigSource(Map.of("lckv.max-bach", "4"), "typo", 300))
            .withMapping(ServerConfig.class);
    var error = assertThrows(RuntimeException.class, builder::build);
    assertTrue(error.getMessage().contains("lckv.max-bach"), error.getMessage());
  }

  @Test
  void defaults() {
    ServerConfig config = config(Map.of());
    assertEquals(Path.of("models/lckv-tiny-w2"), config.modelPath());
    assertEquals("lckv-tiny-w2", config.modelName());
    assertEquals(Device.CPU, config.device());
    assertEquals(256L << 20, config.kvCacheBytes());
    assertEquals(16, config.kvBlockSize());
    assertEquals(64, config.maxBatch());
    assertEquals(256, config.maxWaiting());
    assertEquals(2048, config.maxTokensPerStep());
    assertEquals(2048, config.maxReferenceSpanTokens());
    assertEquals(1 << 20, config.maxBodyBytes());
    assertEquals(OptionalInt.empty(), config.maxPromptTokens());
    assertEquals(Optional.empty(), config.apiKey());
    assertEquals(Duration.ofSeconds(30), config.drainTimeout());
    assertTrue(config.keepPrepackedWeights());
  }

  @Test
  void everyKeyFromTheEnvironment() {
    ServerConfig config =
        config(
            Map.ofEntries(
                Map.entry("LCKV_MODEL_PATH", "/models/other"),
                Map.entry("LCKV_SERVED_MODEL_NAME", "served"),
                Map.entry("LCKV_DEVICE", "cuda"),
                Map.entry("LCKV_KV_CACHE_BYTES", "8589934592"),
                Map.entry("LCKV_KV_BLOCK_SIZE", "32"),
                Map.entry("LCKV_MAX_BATCH", "4"),
                Map.entry("LCKV_MAX_WAITING", "5"),
                Map.entry("LCKV_MAX_TOKENS_PER_STEP", "512"),
                Map.entry("LCKV_MAX_REFERENCE_SPAN_TOKENS", "1024"),
                Map.entry("LCKV_MAX_BODY_BYTES", "1000"),
                Map.entry("LCKV_MAX_PROMPT_TOKENS", "100"),
                Map.entry("LCKV_API_KEY", "secret"),
                Map.entry("LCKV_DRAIN_TIMEOUT", "90s"),
                Map.entry("LCKV_KEEP_PREPACKED_WEIGHTS", "false")));
    assertEquals(Path.of("/models/other"), config.modelPath());
    assertEquals("served", config.modelName());
    assertEquals(Device.CUDA, config.device());
    assertEquals(8L << 30, config.kvCacheBytes());
    assertEquals(32, config.kvBlockSize());
    assertEquals(4, config.maxBatch());
    assertEquals(5, config.maxWaiting());
    assertEquals(512, config.maxTokensPerStep());
    assertEquals(1024, config.maxReferenceSpanTokens());
    assertEquals(1000, config.maxBodyBytes());
    assertEquals(OptionalInt.of(100), config.maxPromptTokens());
    assertEquals(Optional.of("secret"), config.apiKey());
    assertEquals(Duration.ofSeconds(90), config.drainTimeout());
    assertFalse(config.keepPrepackedWeights());
  }
}
