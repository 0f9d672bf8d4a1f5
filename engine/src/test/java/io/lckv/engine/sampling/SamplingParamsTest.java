package io.lckv.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.engine.InvalidParameterException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class SamplingParamsTest {

  @Test
  void defaultsAreOpenAisAndSamplingIsOnByDefault() {
    var p = SamplingParams.builder().build();
    assertEquals(1.0, p.temperature());
    assertEquals(0, p.topK());
    assertEquals(1.0, p.topP());
    assertEquals(1.0, p.repetitionPenalty());
    assertEquals(16, p.maxTokens());
    assertEquals(OptionalLong.empty(), p.seed());
    assertEquals(OptionalInt.empty(), p.topLogprobs());
    assertFalse(p.isGreedy());
    assertTrue(SamplingParams.greedy(5).isGreedy());
  }

  @Test
  void theStopListIsCopied() {
    var stops = new ArrayList<>(List.of("###"));
    var p = SamplingParams.builder().stop(stops).build();
    stops.add("more");
    assertEquals(List.of("###"), p.stop());
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        bad("temperature", b -> b.temperature(-0.1)),
        bad("temperature", b -> b.temperature(2.5)),
        bad("temperature", b -> b.temperature(Double.NaN)),
        bad("top_k", b -> b.topK(-1)),
        bad("top_p", b -> b.topP(0)),
        bad("top_p", b -> b.topP(1.01)),
        bad("min_p", b -> b.minP(-0.5)),
        bad("min_p", b -> b.minP(1.5)),
        bad("repetition_penalty", b -> b.repetitionPenalty(0)),
        bad("repetition_penalty", b -> b.repetitionPenalty(Double.POSITIVE_INFINITY)),
        bad("presence_penalty", b -> b.presencePenalty(2.1)),
        bad("frequency_penalty", b -> b.frequencyPenalty(-2.1)),
        bad("max_tokens", b -> b.maxTokens(0)),
        bad("stop", b -> b.stop(List.of("ok", ""))),
        bad("stop", b -> b.stop(Collections.nCopies(17, "x"))),
        bad("top_logprobs", b -> b.topLogprobs(21)),
        bad("top_logprobs", b -> b.topLogprobs(-1)));
  }

  private static Arguments bad(String parameter, UnaryOperator<SamplingParams.Builder> change) {
    return Arguments.of(parameter, change);
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void anOutOfRangeValueNamesItsParameter(
      String parameter, UnaryOperator<SamplingParams.Builder> change) {
    var e =
        assertThrows(
            InvalidParameterException.class, () -> change.apply(SamplingParams.builder()).build());
    assertEquals(parameter, e.parameter());
    assertTrue(e.getMessage().startsWith(parameter + ": "), e.getMessage());
  }
}
