package io.lckv.converter.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.lckv.converter.config.Layer;
import io.lckv.converter.config.LayerGroup;
import io.lckv.converter.config.ModelConfig;
import io.lckv.converter.golden.Golden;
import io.lckv.converter.golden.GoldenFixture;
import io.lckv.converter.golden.GoldenFixtures;
import io.lckv.converter.golden.PlanGroup;
import io.lckv.converter.golden.ReferenceReading;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The Java input side reads every golden checkpoint as the Python reference did. */
class GoldenCheckpointsTest {

  static List<GoldenFixture> fixtures() {
    return GoldenFixtures.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void bothInputSidesAgree(GoldenFixture fixture) {
    Golden golden = fixture.load();
    ReferenceReading python = golden.reading();
    try (ValidatedModel model = ValidatedModel.open(golden.checkpoint())) {
      ModelConfig config = model.config();
      assertEquals(effectiveLayers(python),
          config.layout().layers().stream().map(GoldenCheckpointsTest::describe).toList(),
          "who reads whom, and windows");
      assertEquals(python.kvLayers(), config.layout().kvLayers());
      assertEquals(python.forceNodiag(), config.forceNodiag());
      assertEquals(python.iterationPlan(), plan(config));
      assertEquals(python.forwardPasses(), config.passes().forwardPasses());
      assertEquals(python.backwardPasses(), config.passes().backwardPasses());
      assertEquals(python.maxPasses(), config.passes().maxPasses());
      assertEquals(python.tieWordEmbeddings(), config.tieWordEmbeddings());
      if (python.tieWordEmbeddings()) {
        assertSame(model.weights().embedTokens(), model.weights().lmHead(),
            python.storedLmHeadIgnored() ? "the stored lm_head is ignored" : "tied");
      }
    }
  }

  /**
   * Per layer "source" or "source/W". The reference has no sliding_window outside lckv-llama,
   * where Java keeps the default 4096; only a windowed token makes either matter.
   */
  private static List<String> effectiveLayers(ReferenceReading python) {
    return Arrays.stream(python.layerTypes().split("_"))
        .map(token -> token.endsWith("s")
            ? token.substring(0, token.length() - 1) + window(python.slidingWindow())
            : token)
        .toList();
  }

  private static String window(OptionalInt window) {
    return window.isPresent() ? "/" + window.getAsInt() : "";
  }

  private static List<PlanGroup> plan(ModelConfig config) {
    return config.layout().plan().groups().stream()
        .map(g -> new PlanGroup(g.first(), g.last(), g instanceof LayerGroup.Cyclic))
        .toList();
  }

  private static String describe(Layer layer) {
    return layer.source() + window(layer.window());
  }
}
