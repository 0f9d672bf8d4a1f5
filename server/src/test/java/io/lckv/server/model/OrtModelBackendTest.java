package io.lckv.server.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lckv.converter.graph.WeightFormat;
import io.lckv.engine.model.ExecutionDevice;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Serving a checkpoint end to end on the CPU is EmbeddedModelTest's; here the choice itself. */
class OrtModelBackendTest {

  @Test
  void theCpuGetsFloat32WeightsAndCudaFloat16() {
    assertEquals(WeightFormat.FP32, OrtModelBackend.weightFormat(Device.CPU));
    assertEquals(WeightFormat.FP16, OrtModelBackend.weightFormat(Device.CUDA));
  }

  @Test
  void theCpuKeepsItsPackedWeightsInTheModelCacheUnlessTurnedOff() {
    Path cache = Path.of("/var/cache/lckv");
    assertEquals(new ExecutionDevice.Cpu(2, Optional.of(cache.resolve("prepacked"))),
        OrtModelBackend.device(options(Device.CPU, cache, true)));
    assertEquals(new ExecutionDevice.Cpu(2, Optional.empty()),
        OrtModelBackend.device(options(Device.CPU, cache, false)));
    assertEquals(new ExecutionDevice.Cuda(0, 0),
        OrtModelBackend.device(options(Device.CUDA, cache, true)));
  }

  private static ModelOptions options(Device device, Path cache, boolean keep) {
    return new ModelOptions(Path.of("model"), device, 1 << 20, 16, cache, 2, keep);
  }
}
