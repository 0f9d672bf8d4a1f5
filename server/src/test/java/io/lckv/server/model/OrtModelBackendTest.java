package io.lckv.server.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lckv.converter.graph.WeightFormat;
import org.junit.jupiter.api.Test;

/** Serving a checkpoint end to end on the CPU is EmbeddedModelTest's; here the choice itself. */
class OrtModelBackendTest {

  @Test
  void theCpuGetsFloat32WeightsAndCudaFloat16() {
    assertEquals(WeightFormat.FP32, OrtModelBackend.weightFormat(Device.CPU));
    assertEquals(WeightFormat.FP16, OrtModelBackend.weightFormat(Device.CUDA));
  }
}
