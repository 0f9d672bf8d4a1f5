package io.lckv.server.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.converter.graph.WeightFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrtModelBackendTest {

  @TempDir Path cache;

  @Test
  void aCheckpointServedOnTheCpuIsConvertedWithFloat32Weights() throws Exception {
    var options =
        new ModelOptions(Path.of("../models/lckv-tiny-w2"), Device.CPU, 1 << 20, 16, cache, 1);
    LoadedModel model = new OrtModelBackend().open(options);
    try {
      assertEquals(List.of("fp32"), entryFormats());
      assertTrue(model.tokenizer().encode("The jury", true).length > 0);
    } finally {
      model.close();
    }
  }

  @Test
  void cudaKeepsFloat16Weights() {
    assertEquals(WeightFormat.FP16, OrtModelBackend.weightFormat(Device.CUDA));
  }

  /** The weight format in each cache entry's name, {@code <model>-<format>-<key>}. */
  private List<String> entryFormats() throws IOException {
    try (Stream<Path> entries = Files.list(cache)) {
      return entries
          .map(p -> p.getFileName().toString())
          .filter(name -> name.startsWith("lckv-tiny-w2-"))
          .map(name -> name.split("-")[3])
          .toList();
    }
  }
}
