package io.lckv.converter.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.converter.golden.Golden;
import io.lckv.converter.golden.GoldenFixture;
import io.lckv.converter.golden.GoldenFixtures;
import io.lckv.converter.golden.GoldenMode;
import io.lckv.converter.golden.GreedyGolden;
import io.lckv.converter.golden.ModeGolden;
import io.lckv.converter.golden.PromptGolden;
import io.lckv.converter.golden.StreamingGolden;
import io.lckv.converter.model.ValidatedModel;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The evaluator against the Python reference's goldens. Both compute in float64; the goldens are
 * rounded to float32, which alone accounts for up to 4.8e-7 at the goldens' |logit| < 16.
 */
class ReferenceGoldenTest {

  private static final double TOLERANCE = 1e-6;

  static List<GoldenFixture> fixtures() {
    return GoldenFixtures.all();
  }

  static List<GoldenFixture> fixturesWithStreamingLlm() {
    return fixtures().stream().filter(f -> f.load().streaming().isPresent()).toList();
  }

  static ReferenceModel load(Golden golden) {
    try (ValidatedModel checkpoint = ValidatedModel.open(golden.checkpoint())) {
      return ReferenceModel.load(checkpoint);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void logitsAtEveryPositionOfEveryPromptInBothModes(GoldenFixture fixture) {
    Golden golden = fixture.load();
    double worst = 0;
    try (ReferenceModel model = load(golden)) {
      for (PromptGolden prompt : golden.prompts()) {
        for (GoldenMode mode : GoldenMode.values()) {
          ModeGolden expected = prompt.in(mode);
          PassCount passes = mode == GoldenMode.EXACT ? PassCount.EXACT : PassCount.REFERENCE;
          assertEquals(expected.passes(),
              passes.passesFor(prompt.length(), model.config().passes()),
              () -> "P of " + mode + " for " + prompt.length() + " tokens");
          Logits logits = model.newSession().forward(prompt.ids(), passes);
          double difference = Deviation.max(expected.logits(), logits);
          assertTrue(difference <= TOLERANCE,
              () -> fixture + " prompt of " + prompt.length() + " in " + mode + ": max |dlogit| "
                  + difference);
          worst = Math.max(worst, difference);
        }
      }
    }
    Deviation.report(fixture, "prompts", worst);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void greedyDecodeStepByStep(GoldenFixture fixture) {
    Golden golden = fixture.load();
    try (ReferenceModel model = load(golden)) {
      double worst = replay(golden.decode(), model.newSession());
      Deviation.report(fixture, "decode", worst);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixturesWithStreamingLlm")
  void greedyDecodeWithStreamingLlm(GoldenFixture fixture) {
    Golden golden = fixture.load();
    StreamingGolden streaming = golden.streaming().orElseThrow();
    try (ReferenceModel model = load(golden)) {
      ReferenceSession session =
          model.newSession(new StreamingLlm(streaming.sinks(), streaming.window()));
      double worst = replay(streaming.run(), session);
      assertEquals(streaming.window(), session.cacheLength(), "the window stays full");
      Deviation.report(fixture, "streaming", worst);
    }
  }

  /** Prefills exactly, then feeds back its own argmax and checks every step's logits and ids. */
  private static double replay(GreedyGolden run, ReferenceSession session) {
    Logits prefill = session.forward(run.promptIds(), PassCount.EXACT);
    int token = prefill.argmax(prefill.positions() - 1);
    int[] fed = new int[run.steps()];
    int[] chosen = new int[run.steps()];
    double worst = 0;
    for (int k = 0; k < run.steps(); k++) {
      fed[k] = token;
      Logits step = session.decode(token);
      worst = Math.max(worst, Deviation.max(run.logits()[k], step.row(0)));
      token = step.argmax(0);
      chosen[k] = token;
    }
    assertArrayEquals(run.inputIds(), fed, "tokens fed");
    assertArrayEquals(run.nextIds(), chosen, "tokens chosen");
    double difference = worst;
    assertTrue(worst <= TOLERANCE, () -> "max |dlogit| over the steps " + difference);
    return worst;
  }
}
