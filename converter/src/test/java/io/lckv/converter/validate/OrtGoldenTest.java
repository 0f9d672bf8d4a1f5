package io.lckv.converter.validate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import io.lckv.converter.golden.Golden;
import io.lckv.converter.golden.GoldenFixture;
import io.lckv.converter.golden.GoldenFixtures;
import io.lckv.converter.golden.GoldenMode;
import io.lckv.converter.golden.GreedyGolden;
import io.lckv.converter.golden.ModeGolden;
import io.lckv.converter.golden.PromptGolden;
import io.lckv.converter.golden.StreamingGolden;
import io.lckv.converter.golden.LogitDeviation;
import io.lckv.converter.graph.Int8Accuracy;
import io.lckv.converter.graph.WeightFormat;
import io.lckv.converter.reference.StreamingLlm;
import io.lckv.nativeops.PoolDtype;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every golden fixture converted in every weight format and run through ONNX Runtime with the
 * lckv ops and a KvPool, against the Python reference's float64 logits: each prompt in both pass
 * modes on an empty cache, the 16 greedy decode steps through the pool, and the StreamingLLM runs
 * laid out as the engine lays them out, evicting by bookkeeping with rope at read time.
 *
 * <p>Bounds: fp32 1e-4. fp16 1e-4 where the checkpoint is float16 or bfloat16 (those convert to
 * float16 exactly), else the fp16 tolerance of {@link ValidationTolerance}; int8 its tolerance.
 * The lossy bounds are the measured worst cases with margin; {@code LossyFormatsTest} checks
 * those graphs to 1e-4 against the reference run on the rounded weights.
 */
class OrtGoldenTest {

  private static final double EXACT = 1e-4;

  static List<Arguments> cases() {
    var cases = new ArrayList<Arguments>();
    for (GoldenFixture fixture : GoldenFixtures.all()) {
      for (WeightFormat format : WeightFormat.values()) {
        cases.add(Arguments.of(fixture, format));
      }
    }
    return cases;
  }

  static List<Arguments> streamingCases() {
    return cases().stream()
        .filter(c -> ((GoldenFixture) c.get()[0]).load().streaming().isPresent())
        .toList();
  }

  static double bound(GoldenFixture fixture, WeightFormat format) {
    return switch (format) {
      case FP32 -> EXACT;
      case FP16 -> fixture.dtype().equals("float32")
          ? ValidationTolerance.of(format, Int8Accuracy.INT8) : EXACT;
      case INT8 -> ValidationTolerance.of(format, Int8Accuracy.INT8);
    };
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void everyPromptInBothModes(GoldenFixture fixture, WeightFormat format) throws OrtException {
    Golden golden = fixture.load();
    double worst = 0;
    try (ExportedModel model = ExportedModel.open(ConvertedFixtures.of(golden, format))) {
      for (PromptGolden prompt : golden.prompts()) {
        for (GoldenMode mode : GoldenMode.values()) {
          ModeGolden expected = prompt.in(mode);
          float[][] logits;
          try (ExportedSequence sequence = model.newSequence(prompt.length(), PoolDtype.F32)) {
            logits = sequence.forward(longs(prompt.ids()), expected.passes());
          }
          double d = LogitDeviation.max(expected.logits(), logits);
          worst = Math.max(worst, d);
          assertTrue(d <= bound(fixture, format), () -> fixture + " " + format + " prompt of "
              + prompt.length() + " in " + mode + ": max |dlogit| " + d);
        }
      }
    }
    report(fixture, format, "prompts", worst, ConvertedFixtures.seconds(golden, format));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void greedyDecodeThroughThePool(GoldenFixture fixture, WeightFormat format)
      throws OrtException {
    Golden golden = fixture.load();
    try (ExportedModel model = ExportedModel.open(ConvertedFixtures.of(golden, format));
        ExportedSequence sequence = model.newSequence(64, PoolDtype.F32)) {
      GreedyGolden run = golden.decode();
      double worst = replay(run, sequence, fixture, format);
      report(fixture, format, "decode", worst, -1);
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("streamingCases")
  void streamingLlmEvictsByBookkeepingWithRopeAtRead(GoldenFixture fixture, WeightFormat format)
      throws OrtException {
    Golden golden = fixture.load();
    StreamingGolden streaming = golden.streaming().orElseThrow();
    try (ExportedModel model = ExportedModel.open(ConvertedFixtures.of(golden, format));
        ExportedSequence sequence = model.newStreamingSequence(
            new StreamingLlm(streaming.sinks(), streaming.window()), PoolDtype.F32)) {
      double worst = replay(streaming.run(), sequence, fixture, format);
      assertEquals(streaming.window(), sequence.length(), "the window stays full");
      report(fixture, format, "streaming", worst, -1);
    }
  }

  /**
   * Exact prefill, then one step per golden input (the reference's own greedy choices, so both
   * sides see the same tokens). Where the bound is exact, the greedy choices must agree too.
   */
  private static double replay(GreedyGolden run, ExportedSequence sequence,
      GoldenFixture fixture, WeightFormat format) throws OrtException {
    float[][] prefill = sequence.forward(longs(run.promptIds()), run.promptIds().length);
    int[] chosen = new int[run.steps()];
    double worst = 0;
    int agreed = LogitDeviation.argmax(prefill[prefill.length - 1]) == run.inputIds()[0] ? 1 : 0;
    for (int k = 0; k < run.steps(); k++) {
      float[] logits = sequence.decode(run.inputIds()[k]);
      worst = Math.max(worst, LogitDeviation.max(run.logits()[k], logits));
      chosen[k] = LogitDeviation.argmax(logits);
      agreed += chosen[k] == run.nextIds()[k] ? 1 : 0;
    }
    double d = worst;
    assertTrue(worst <= bound(fixture, format),
        () -> fixture + " " + format + ": max |dlogit| over the steps " + d);
    if (bound(fixture, format) == EXACT) {
      assertArrayEquals(run.nextIds(), chosen, "greedy choices");
    }
    System.out.printf("ort golden %-30s %-4s greedy agreement %d/%d%n", fixture.name(),
        format.optionName(), agreed, run.steps() + 1);
    return worst;
  }

  private static void report(GoldenFixture fixture, WeightFormat format, String what,
      double worst, double seconds) {
    System.out.printf("ort golden %-30s %-4s %-9s max |dlogit| %.3g%s%n", fixture.name(),
        format.optionName(), what, worst,
        seconds < 0 ? "" : String.format(" (converted in %.2f s)", seconds));
  }

  private static long[] longs(int[] ids) {
    return Arrays.stream(ids).asLongStream().toArray();
  }
}
