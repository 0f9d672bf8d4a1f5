package io.lckv.server.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelOptionsTest {

  @Test
  void thePackedWeightsAreKeptInTheCacheDirectoryUnlessTurnedOff() {
    Path cache = Path.of("/var/cache/lckv");
    assertEquals(Optional.of(cache.resolve("prepacked")), options(cache, true).prepackedGraphs());
    assertEquals(Optional.empty(), options(cache, false).prepackedGraphs());
  }

  private static ModelOptions options(Path cache, boolean keep) {
    return new ModelOptions(Path.of("model"), Device.CPU, 1 << 20, 16, cache, 2, keep);
  }
}
