package io.lckv.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.lckv.engine.kv.KvFootprint;
import io.lckv.engine.kv.KvPoolGeometry;
import io.lckv.engine.runner.ModelRunner;
import io.lckv.engine.runner.ModelSpec;
import io.lckv.engine.runner.SequenceLogits;
import io.lckv.engine.runner.SequenceStep;
import io.lckv.engine.runner.StepBatch;
import io.lckv.engine.sampling.SamplingParams;
import io.lckv.engine.text.ByteLevelBpeFixture;
import io.lckv.engine.text.HfTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine streaming text through the real byte-level BPE tokenizer. */
class RealTokenizerTextTest {

  private static final String TEXT = "hi é€ 😀 the end";

  @TempDir static Path dir;
  static HfTokenizer tokenizer;

  @BeforeAll
  static void load() throws Exception {
    tokenizer = HfTokenizer.load(ByteLevelBpeFixture.write(dir));
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  /** Greedy output follows a script: the logits of position p favour script[p - prompt + 1]. */
  private static ModelRunner scripted(int[] script, int promptTokens) {
    var spec =
        new ModelSpec(
            ByteLevelBpeFixture.VOCAB_SIZE, 256, 9, false, Set.of(ByteLevelBpeFixture.END),
            new KvFootprint(1, 1, 8, 2), new KvPoolGeometry(4, 64));
    return new ModelRunner() {
      @Override
      public ModelSpec spec() {
        return spec;
      }

      @Override
      public List<SequenceLogits> step(StepBatch batch) {
        List<SequenceLogits> out = new ArrayList<>();
        for (SequenceStep step : batch.sequences()) {
          int next = step.positions()[step.newTokens() - 1] + 1 - promptTokens;
          float[] logits = new float[spec.vocabSize()];
          logits[next < script.length ? script[next] : ByteLevelBpeFixture.END] = 10;
          out.add(new SequenceLogits(new float[][] {logits}));
        }
        return out;
      }
    };
  }

  private Outcome generate(SamplingParams sampling) throws InterruptedException {
    int[] prompt = tokenizer.encode("say:", false);
    int[] script = tokenizer.encode(TEXT, false);
    try (var engine =
        Engine.start(scripted(script, prompt.length), tokenizer, new EngineConfig(2, 16, 16, 2))) {
      var result = engine.submit(GenerationRequest.of(prompt, sampling));
      return Outcome.await(assertInstanceOf(SubmitResult.Accepted.class, result).handle());
    }
  }

  @Test
  void deltasNeverCarryHalfACharacterAndAddUpToTheText() throws Exception {
    Outcome outcome = generate(SamplingParams.greedy(50));
    assertEquals(FinishReason.STOP, outcome.reason());
    assertEquals(TEXT, outcome.text());
    for (GenerationEvent event : outcome.events()) {
      if (event instanceof GenerationEvent.Token token) {
        assertEquals(-1, token.text().indexOf('\uFFFD'), "half a character in " + token);
      }
    }
  }

  @Test
  void aStopStringMadeOfSplitCharactersEndsTheText() throws Exception {
    var sampling = SamplingParams.builder().temperature(0).stop(List.of("€ 😀")).maxTokens(50).build();
    Outcome outcome = generate(sampling);
    assertEquals(FinishReason.STOP, outcome.reason());
    assertEquals("hi é", outcome.text());
  }
}
