package io.lckv.converter.validate;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import io.lckv.converter.checkpoint.DType;
import io.lckv.converter.checkpoint.Tensor;
import io.lckv.converter.fixtures.SafetensorsWriter;
import io.lckv.converter.fixtures.TestTensor;
import io.lckv.converter.golden.Golden;
import io.lckv.converter.golden.GoldenFixture;
import io.lckv.converter.golden.GoldenFixtures;
import io.lckv.converter.golden.GreedyGolden;
import io.lckv.converter.golden.PromptGolden;
import io.lckv.converter.golden.LogitDeviation;
import io.lckv.converter.graph.Int8Blocks;
import io.lckv.converter.graph.Int8Accuracy;
import io.lckv.converter.graph.WeightFormat;
import io.lckv.converter.model.ValidatedModel;
import io.lckv.converter.reference.Logits;
import io.lckv.converter.reference.PassCount;
import io.lckv.converter.reference.ReferenceModel;
import io.lckv.converter.reference.ReferenceSession;
import io.lckv.nativeops.PoolDtype;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fp16 and int8 graphs compute exactly what their stored weights imply: the reference
 * evaluator, run on a copy of the checkpoint whose matrices are rounded the way the format
 * stores them (written here independently of the codecs), agrees with ONNX Runtime to 1e-4 on
 * the longest prompt in both modes and on the greedy decode steps. What remains between these
 * graphs and the goldens is the rounding of the weights alone. int8 is checked with float32
 * activations ({@link Int8Accuracy#FP32}): the default int8 compute also rounds the activations,
 * which only the looser bounds of OrtGoldenTest cover.
 */
class LossyFormatsTest {

  private static final double TOLERANCE = 1e-4;

  @TempDir Path tmp;

  static List<Arguments> cases() {
    var cases = new ArrayList<Arguments>();
    for (GoldenFixture fixture : GoldenFixtures.all()) {
      cases.add(Arguments.of(fixture, WeightFormat.INT8));
      if (fixture.dtype().equals("float32")) {
        cases.add(Arguments.of(fixture, WeightFormat.FP16)); // others are lossless in fp16
      }
    }
    return cases;
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void graphMatchesTheReferenceOnRoundedWeights(GoldenFixture fixture, WeightFormat format)
      throws IOException, OrtException {
    Golden golden = fixture.load();
    Path rounded = roundedCheckpoint(golden.checkpoint(), format);
    PromptGolden prompt = golden.prompts().getLast();
    double worst = 0;
    try (ValidatedModel source = ValidatedModel.open(rounded);
        ReferenceModel reference = ReferenceModel.load(source);
        ExportedModel exported = ExportedModel.open(
            ConvertedFixtures.of(golden, format, Int8Accuracy.FP32))) {
      for (PassCount mode : List.of(PassCount.REFERENCE, PassCount.EXACT)) {
        Logits expected = reference.newSession().forward(prompt.ids(), mode);
        try (ExportedSequence sequence = exported.newSequence(prompt.length(), PoolDtype.F32)) {
          float[][] actual = sequence.forward(longs(prompt.ids()),
              mode.passesFor(prompt.length(), reference.config().passes()));
          worst = Math.max(worst, LogitDeviation.max(rows(expected), actual));
        }
      }
      worst = Math.max(worst, decode(golden.decode(), reference.newSession(), exported));
    }
    double d = worst;
    assertTrue(worst <= TOLERANCE, () -> fixture + " " + format + ": max |dlogit| " + d);
    System.out.printf("rounded-weights reference %-30s %-4s max |dlogit| %.3g%n",
        fixture.name(), format.optionName(), worst);
  }

  /** The golden's greedy inputs fed to both sides after an exact prefill. */
  private static double decode(GreedyGolden run, ReferenceSession expected,
      ExportedModel exported) throws OrtException {
    try (ExportedSequence actual = exported.newSequence(64, PoolDtype.F32)) {
      double worst = LogitDeviation.max(
          rows(expected.forward(run.promptIds(), PassCount.EXACT)),
          actual.forward(longs(run.promptIds()), run.promptIds().length));
      for (int token : run.inputIds()) {
        worst = Math.max(worst,
            LogitDeviation.max(row(expected.decode(token), 0), actual.decode(token)));
      }
      return worst;
    }
  }

  /** The checkpoint as float32 safetensors with every matrix rounded as {@code format} stores it. */
  private Path roundedCheckpoint(Path checkpoint, WeightFormat format) throws IOException {
    Path folder = tmp.resolve("rounded");
    Files.createDirectories(folder);
    Files.copy(checkpoint.resolve("config.json"), folder.resolve("config.json"));
    var tensors = new ArrayList<TestTensor>();
    try (ValidatedModel model = ValidatedModel.open(checkpoint)) {
      for (Tensor tensor : model.checkpoint().tensors().values()) {
        var original = new TestTensor(tensor.name(), tensor.shape().dims(), tensor.toFloatArray());
        tensors.add(tensor.shape().rank() == 2 ? round(original, format) : original);
      }
    }
    SafetensorsWriter.write(folder.resolve("model.safetensors"),
        DType.F32, tensors);
    return folder;
  }

  private static TestTensor round(TestTensor matrix, WeightFormat format) {
    float[] values = switch (format) {
      case FP16 -> halves(matrix.values());
      case INT8 -> Int8Blocks.dequantized(matrix);
      case FP32 -> matrix.values();
    };
    return new TestTensor(matrix.name(), matrix.shape(), values);
  }

  private static float[] halves(float[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Float.float16ToFloat(Float.floatToFloat16(values[i]));
    }
    return out;
  }

  private static float[][] rows(Logits logits) {
    float[][] out = new float[logits.positions()][];
    for (int t = 0; t < out.length; t++) {
      out[t] = row(logits, t);
    }
    return out;
  }

  private static float[] row(Logits logits, int position) {
    double[] values = logits.row(position);
    float[] out = new float[values.length];
    for (int k = 0; k < out.length; k++) {
      out[k] = (float) values[k];
    }
    return out;
  }

  private static long[] longs(int[] ids) {
    return Arrays.stream(ids).asLongStream().toArray();
  }
}
