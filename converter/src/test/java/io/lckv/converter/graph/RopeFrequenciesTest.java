package io.lckv.converter.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lckv.converter.config.ConfigReader;
import io.lckv.converter.config.ModelConfig;
import io.lckv.converter.golden.GoldenFixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * inv_freq bit for bit as the Python reference computes it with torch's float32 operations
 * (values printed by {@code python -m lckv_ref info}, which are float32 widened to double).
 */
class RopeFrequenciesTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "llama-plain-f32-safetensors|1.0 0.3162277638912201 0.10000000149011612"
          + " 0.03162277862429619 0.009999999776482582 0.003162277862429619"
          + " 0.0010000000474974513 0.0003162277862429619",
      "lckv-rope-linear-bf16-tied|0.25 0.07905694097280502 0.02500000037252903"
          + " 0.007905694656074047 0.0024999999441206455 0.0007905694656074047"
          + " 0.0002500000118743628 7.905694656074047e-05",
      // llama3 with all three bands: kept, blended (0.0066...) and slowed.
      "lckv-rope-llama3-f16-bin|1.0 0.3162277638912201 0.10000000149011612"
          + " 0.006613106932491064 0.0012499999720603228 0.00039528473280370235"
          + " 0.0001250000059371814 3.9528473280370235e-05"})
  void matchesTheReferenceExactly(String fixture, String expected) {
    ModelConfig config = ConfigReader.read(
        GoldenFixtures.named(fixture).load().checkpoint().resolve("config.json"));
    String[] values = expected.split(" ");
    float[] actual = RopeFrequencies.of(config);
    assertEquals(values.length, actual.length);
    for (int c = 0; c < values.length; c++) {
      assertEquals((float) Double.parseDouble(values[c]), actual[c], "frequency " + c);
    }
  }
}
