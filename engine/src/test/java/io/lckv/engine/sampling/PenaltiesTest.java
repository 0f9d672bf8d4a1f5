package io.lckv.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class PenaltiesTest {

  @Test
  void huggingFaceRepetitionPenaltyCountsPromptAndOutputOnceEach() {
    var history = new TokenHistory(new int[] {0, 0, 1});
    history.addGenerated(2);
    history.addGenerated(2);
    double[] logits = {4, -4, 2, 3};
    Penalties.apply(logits, SamplingParams.builder().repetitionPenalty(2).build(), history);
    // positive logits are divided, negative multiplied, however often the token occurred
    assertArrayEquals(new double[] {2, -8, 1, 3}, logits);
  }

  @Test
  void openAiPenaltiesCountOnlyGeneratedTokens() {
    var history = new TokenHistory(new int[] {0});
    history.addGenerated(1);
    history.addGenerated(1);
    history.addGenerated(2);
    double[] logits = {1, 1, 1, 1};
    Penalties.apply(
        logits, SamplingParams.builder().presencePenalty(0.5).frequencyPenalty(0.25).build(), history);
    assertArrayEquals(new double[] {1, 1 - 0.5 - 0.5, 1 - 0.5 - 0.25, 1}, logits);
  }

  @Test
  void negativeOpenAiPenaltiesEncourageRepetition() {
    var history = new TokenHistory(new int[0]);
    history.addGenerated(0);
    double[] logits = {0, 0};
    Penalties.apply(logits, SamplingParams.builder().frequencyPenalty(-1).build(), history);
    assertArrayEquals(new double[] {1, 0}, logits);
  }
}
