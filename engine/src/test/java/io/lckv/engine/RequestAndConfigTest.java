package io.lckv.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lckv.engine.kv.StreamingWindow;
import io.lckv.engine.runner.PrefillMode;
import io.lckv.engine.sampling.SamplingParams;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RequestAndConfigTest {

  @Test
  void aRequestNeedsAPromptAndKeepsItsOwnCopy() {
    var e =
        assertThrows(
            InvalidParameterException.class,
            () -> GenerationRequest.of(new int[0], SamplingParams.greedy(1)));
    assertEquals("prompt", e.parameter());
    int[] prompt = {1, 2, 3};
    var request = GenerationRequest.of(prompt, SamplingParams.greedy(4));
    prompt[0] = 9;
    assertArrayEquals(new int[] {1, 2, 3}, request.promptTokens());
    assertEquals(PrefillMode.REFERENCE, request.prefill());
    assertEquals(Optional.empty(), request.streaming());
    assertEquals(6, request.cacheTokensAtMost()); // the last token is never fed back
  }

  @Test
  void aStreamingWindowKeepsARecentEntry() {
    assertEquals(
        "streaming.window_tokens",
        assertThrows(InvalidParameterException.class, () -> new StreamingWindow(4, 4)).parameter());
    assertEquals(
        "streaming.sink_tokens",
        assertThrows(InvalidParameterException.class, () -> new StreamingWindow(-1, 4)).parameter());
    assertEquals(new StreamingWindow(4, 1024), StreamingWindow.referenceDefault());
  }

  @Test
  void configLimitsMustAllowADecodeStep() {
    var e = assertThrows(IllegalArgumentException.class, () -> new EngineConfig(8, 4, 16, 0));
    assertEquals("maxTokensPerStep (4) must hold a decode step of maxBatch (8) tokens", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new EngineConfig(0, 4, 16, 0));
    assertThrows(IllegalArgumentException.class, () -> new EngineConfig(1, 4, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new EngineConfig(1, 4, 4, -1));
  }
}
