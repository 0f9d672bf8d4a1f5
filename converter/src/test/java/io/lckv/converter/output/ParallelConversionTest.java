package io.lckv.converter.output;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.converter.CheckpointException;
import io.lckv.converter.checkpoint.DType;
import io.lckv.converter.fixtures.SafetensorsWriter;
import io.lckv.converter.fixtures.TestTensor;
import io.lckv.converter.fixtures.TinyModel;
import io.lckv.converter.golden.GoldenFixture;
import io.lckv.converter.golden.GoldenFixtures;
import io.lckv.converter.graph.Int8Accuracy;
import io.lckv.converter.graph.Parallelism;
import io.lckv.converter.graph.WeightFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Threads change how fast a folder is written, never a byte of it: every golden fixture in every
 * format, converted on one thread and with tasks small enough that each weight is cut into many
 * (single rows, then whole 64-row tiles) on three threads plus the writer thread.
 */
class ParallelConversionTest {

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static final List<String> FILES =
      List.of("model.onnx", "model.onnx.data", "runtime-config.json");
  private static final Parallelism SINGLE = new Parallelism(1, 1);
  private static final List<Parallelism> PARALLEL =
      List.of(new Parallelism(3, 7), new Parallelism(3, 64 * 64));

  @TempDir Path tmp;

  static Stream<Arguments> fixturesAndFormats() {
    return GoldenFixtures.all().stream().flatMap(fixture -> Stream.of(WeightFormat.values())
        .map(format -> Arguments.of(fixture, format)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("fixturesAndFormats")
  void parallelConversionWritesTheSameBytes(GoldenFixture fixture, WeightFormat format)
      throws IOException {
    Path checkpoint = fixture.load().checkpoint();
    Path single = convert(checkpoint, "single", format, SINGLE);
    for (Parallelism parallel : PARALLEL) {
      Path out = convert(checkpoint, "parallel-" + parallel.elementsPerTask(), format, parallel);
      for (String file : FILES) {
        assertArrayEquals(Files.readAllBytes(single.resolve(file)),
            Files.readAllBytes(out.resolve(file)), file + " with " + parallel);
      }
    }
  }

  /**
   * Two weights beyond float16's range in different tasks: whatever thread meets which, the
   * conversion fails as on one thread, on the first of them, and leaves nothing behind.
   */
  @Test
  void aFailureInAWorkerThreadIsTheOneASingleThreadMeets() throws IOException {
    List<TestTensor> tensors = new ArrayList<>(TinyModel.tensors(false));
    TestTensor up = TinyModel.tensor(tensors, "model.layers.1.mlp.up_proj.weight");
    float[] values = up.values().clone();
    values[5] = 1e6f;
    values[values.length - 1] = -2e6f;
    tensors.set(tensors.indexOf(up), new TestTensor(up.name(), up.shape(), values));
    Path checkpoint = tmp.resolve("checkpoint");
    TinyModel.writeConfig(checkpoint, TinyModel.config());
    SafetensorsWriter.write(checkpoint.resolve("model.safetensors"), DType.F32, tensors);

    List<String> messages = new ArrayList<>();
    for (Parallelism parallelism : List.of(SINGLE, new Parallelism(3, 1))) {
      Path out = tmp.resolve("out");
      var e = assertThrows(CheckpointException.class, () -> ModelFolderWriter.write(checkpoint,
          out, new ModelFolderWriter.Options(WeightFormat.FP16, Int8Accuracy.INT8, false,
              parallelism),
          Optional.empty(), "test", QUIET));
      messages.add(e.getMessage());
      try (var left = Files.list(tmp)) {
        assertEquals(List.of(checkpoint), left.toList(), "nothing left next to the checkpoint");
      }
    }
    assertTrue(messages.getFirst().contains("holds 1000000.0, beyond float16's range"),
        messages.getFirst());
    assertEquals(messages.getFirst(), messages.getLast());
  }

  private Path convert(Path checkpoint, String name, WeightFormat format,
      Parallelism parallelism) {
    Path out = tmp.resolve(name + "-" + format.optionName());
    ModelFolderWriter.write(checkpoint, out,
        new ModelFolderWriter.Options(format, Int8Accuracy.INT8, false, parallelism),
        Optional.empty(), "test", QUIET);
    return out;
  }
}
