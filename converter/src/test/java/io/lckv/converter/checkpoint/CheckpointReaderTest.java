package io.lckv.converter.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.converter.CheckpointException;
import io.lckv.converter.fixtures.SafetensorsWriter;
import io.lckv.converter.fixtures.TestTensor;
import io.lckv.converter.fixtures.TorchZipWriter;
import io.lckv.converter.fixtures.TorchZipWriter.StoredTensor;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CheckpointReaderTest {

  @TempDir Path dir;

  private static final List<TestTensor> TENSORS = List.of(
      TestTensor.of("a.weight", 1, 3, 5),
      TestTensor.of("b.weight", 2, 7),
      TestTensor.of("scalar", 3));

  private static void assertHolds(Checkpoint checkpoint, DType dtype, List<TestTensor> expected) {
    assertEquals(expected.stream().map(TestTensor::name).toList(),
        List.copyOf(checkpoint.tensors().keySet()));
    for (TestTensor t : expected) {
      Tensor tensor = checkpoint.find(t.name()).orElseThrow();
      assertEquals(dtype, tensor.dtype());
      assertEquals(Shape.of(t.shape()), tensor.shape());
      assertArrayEquals(t.values(), tensor.toFloatArray(), t.name());
      try (Arena arena = Arena.ofConfined()) {
        assertArrayEquals(t.values(), tensor.toFloat32(arena).toArray(DType.FLOAT_LE));
        assertArrayEquals(t.encode(dtype), tensor.raw(arena).toArray(ValueLayout.JAVA_BYTE));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void safetensorsRoundTripExactly(DType dtype) {
    SafetensorsWriter.write(dir.resolve("model.safetensors"), dtype, TENSORS);
    try (Checkpoint c = CheckpointReader.open(dir)) {
      assertEquals(dir.resolve("model.safetensors"), c.origin());
      assertHolds(c, dtype, TENSORS);
      assertEquals(TENSORS.stream().mapToLong(t -> t.values().length).sum() * dtype.byteSize(),
          c.totalTensorBytes());
    }
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void torchArchivesRoundTripExactly(DType dtype) {
    TorchZipWriter.write(dir.resolve("pytorch_model.bin"), dtype, TENSORS);
    try (Checkpoint c = CheckpointReader.open(dir)) {
      assertEquals(dir.resolve("pytorch_model.bin"), c.origin());
      assertHolds(c, dtype, TENSORS);
    }
  }

  @Test
  void shardedSafetensorsFollowTheIndex() throws Exception {
    SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), DType.BF16,
        TENSORS.subList(0, 1));
    SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), DType.BF16,
        TENSORS.subList(1, 3));
    Files.writeString(dir.resolve("model.safetensors.index.json"), """
        {"metadata": {"total_size": 46},
         "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
                        "b.weight": "model-00002-of-00002.safetensors",
                        "scalar": "model-00002-of-00002.safetensors"}}""");
    try (Checkpoint c = CheckpointReader.open(dir)) {
      assertEquals(dir.resolve("model.safetensors.index.json"), c.origin());
      assertHolds(c, DType.BF16, TENSORS);
      assertEquals(dir.resolve("model-00002-of-00002.safetensors"),
          c.find("scalar").orElseThrow().file());
    }
  }

  @Test
  void shardedTorchArchivesFollowTheIndex() throws Exception {
    TorchZipWriter.write(dir.resolve("pytorch_model-00001-of-00002.bin"), DType.F16,
        TENSORS.subList(0, 2));
    TorchZipWriter.write(dir.resolve("pytorch_model-00002-of-00002.bin"), DType.F16,
        TENSORS.subList(2, 3));
    Files.writeString(dir.resolve("pytorch_model.bin.index.json"), """
        {"weight_map": {"a.weight": "pytorch_model-00001-of-00002.bin",
                        "b.weight": "pytorch_model-00001-of-00002.bin",
                        "scalar": "pytorch_model-00002-of-00002.bin"}}""");
    try (Checkpoint c = CheckpointReader.open(dir)) {
      assertHolds(c, DType.F16, TENSORS);
    }
  }

  @Test
  void safetensorsAreChosenOverTorchArchives() {
    SafetensorsWriter.write(dir.resolve("model.safetensors"), DType.F32, TENSORS);
    TorchZipWriter.write(dir.resolve("pytorch_model.bin"), DType.F16, TENSORS);
    try (Checkpoint c = CheckpointReader.open(dir)) {
      assertEquals(DType.F32, c.find("a.weight").orElseThrow().dtype());
    }
  }

  /**
   * Views into one storage at an offset, in an archive whose records folder is named after the
   * file, with a size-1 dimension carrying an arbitrary stride as torch allows.
   */
  @Test
  void torchViewsShareAStorageAtOffsets() {
    TestTensor whole = TestTensor.of("whole", 4, 2, 6);
    var pickle = TorchZipWriter.stateDictPickle(List.of(
        new StoredTensor("first_row", "0", DType.F32, 12, 0, new long[] {6}, new long[] {1}),
        new StoredTensor("second_row", "0", DType.F32, 12, 6, new long[] {1, 6},
            new long[] {99, 1})));
    var entries = new LinkedHashMap<String, byte[]>();
    entries.put("pytorch_model/data.pkl", pickle);
    entries.put("pytorch_model/data/0", whole.encode(DType.F32));
    TorchZipWriter.writeZip(dir.resolve("pytorch_model.bin"), entries);
    try (Checkpoint c = CheckpointReader.open(dir)) {
      float[] all = whole.values();
      assertArrayEquals(Arrays.copyOfRange(all, 0, 6),
          c.find("first_row").orElseThrow().toFloatArray());
      assertArrayEquals(Arrays.copyOfRange(all, 6, 12),
          c.find("second_row").orElseThrow().toFloatArray());
      assertEquals(Shape.of(1, 6), c.find("second_row").orElseThrow().shape());
    }
  }

  @Test
  void aMappedTensorCannotBeReadAfterClose() {
    SafetensorsWriter.write(dir.resolve("model.safetensors"), DType.F16, TENSORS);
    Tensor tensor;
    try (Checkpoint c = CheckpointReader.open(dir)) {
      tensor = c.find("a.weight").orElseThrow();
    }
    assertThrows(IllegalStateException.class, tensor::toFloatArray);
  }

  @Test
  void aFolderWithoutWeightsIsNamed() throws Exception {
    Files.writeString(dir.resolve("config.json"), "{}");
    var e = assertThrows(CheckpointException.class, () -> CheckpointReader.open(dir));
    assertTrue(e.getMessage().startsWith(dir + ": holds no weights: expected one of"
        + " model.safetensors, model.safetensors.index.json"), e.getMessage());
  }
}
