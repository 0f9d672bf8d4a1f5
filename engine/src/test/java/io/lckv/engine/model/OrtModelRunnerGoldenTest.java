package io.lckv.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.converter.golden.Golden;
import io.lckv.converter.golden.GoldenFixture;
import io.lckv.converter.golden.GoldenMode;
import io.lckv.converter.golden.GreedyGolden;
import io.lckv.converter.golden.LogitDeviation;
import io.lckv.converter.golden.PromptGolden;
import io.lckv.engine.kv.CacheView;
import io.lckv.engine.kv.KvLength;
import io.lckv.engine.runner.PrefillMode;
import io.lckv.engine.runner.RunnerException;
import io.lckv.engine.runner.SequenceLogits;
import io.lckv.engine.runner.SequenceStep;
import io.lckv.engine.runner.SequenceStep.LogitsRows;
import io.lckv.engine.runner.StepBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The runner over every golden fixture, converted to fp32 with a float32 cache, against the
 * PyTorch reference: every prompt in both pass modes as one mixed prefill step (one graph call per
 * prompt length and pass count), then the greedy decode run with a second sequence in every
 * decode step, so the batch is ragged.
 */
class OrtModelRunnerGoldenTest {

  private static final double BOUND = 1e-4;
  private static final int BLOCK = 16;

  static List<GoldenFixture> fixtures() {
    return FixtureModels.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void everyPromptInBothModesInOneStep(GoldenFixture fixture) throws RunnerException {
    Golden golden = fixture.load();
    try (var runner = OrtModelRunner.open(FixtureModels.converted(golden),
        FixtureModels.exactOptions(8 << 20), FixtureModels.quiet())) {
      var steps = new ArrayList<SequenceStep>();
      var expected = new ArrayList<float[][]>();
      int nextBlock = 0;
      for (PromptGolden prompt : golden.prompts()) {
        for (GoldenMode mode : GoldenMode.values()) {
          int blocks = Math.ceilDiv(prompt.length(), BLOCK);
          steps.add(new SequenceStep(steps.size(), prompt.ids(),
              IntStream.range(0, prompt.length()).toArray(),
              FixtureModels.emptyCache(nextBlock, blocks, BLOCK),
              mode == GoldenMode.EXACT ? PrefillMode.EXACT : PrefillMode.REFERENCE,
              prompt.in(mode).passes(), LogitsRows.ALL));
          expected.add(prompt.in(mode).logits());
          nextBlock += blocks;
        }
      }
      List<SequenceLogits> logits = runner.step(new StepBatch(steps));
      for (int s = 0; s < steps.size(); s++) {
        double d = LogitDeviation.max(expected.get(s), logits.get(s).rows());
        int index = s;
        assertTrue(d <= BOUND, () -> fixture + " sequence " + index + " of "
            + steps.get(index).newTokens() + " tokens, " + steps.get(index).passes()
            + " passes: max |dlogit| " + d);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void greedyDecodeBesideAnotherSequence(GoldenFixture fixture) throws RunnerException {
    Golden golden = fixture.load();
    GreedyGolden run = golden.decode();
    PromptGolden other = golden.prompts().getLast();
    try (var runner = OrtModelRunner.open(FixtureModels.converted(golden),
        FixtureModels.exactOptions(8 << 20), FixtureModels.quiet())) {
      var golden0 = new Sequence(0, 0, run.promptIds());
      var beside = new Sequence(1, 8, other.ids());
      List<SequenceLogits> prefill = runner.step(new StepBatch(List.of(
          golden0.prefill(), beside.prefill())));
      assertEquals(run.inputIds()[0], LogitDeviation.argmax(prefill.get(0).last()));
      int besideToken = LogitDeviation.argmax(prefill.get(1).last());
      int[] chosen = new int[run.steps()];
      double worst = 0;
      for (int k = 0; k < run.steps(); k++) {
        List<SequenceLogits> step = runner.step(new StepBatch(List.of(
            golden0.decode(run.inputIds()[k]), beside.decode(besideToken))));
        worst = Math.max(worst, LogitDeviation.max(run.logits()[k], step.get(0).last()));
        chosen[k] = LogitDeviation.argmax(step.get(0).last());
        besideToken = LogitDeviation.argmax(step.get(1).last());
      }
      double d = worst;
      assertTrue(worst <= BOUND, () -> fixture + ": max |dlogit| over the steps " + d);
      assertArrayEquals(run.nextIds(), chosen, "greedy choices");
    }
  }

  /** One sequence's blocks (8 of them, from {@code firstBlock}) and committed length. */
  private static final class Sequence {
    private final long id;
    private final int firstBlock;
    private final int[] prompt;
    private int length;

    Sequence(long id, int firstBlock, int[] prompt) {
      this.id = id;
      this.firstBlock = firstBlock;
      this.prompt = prompt;
    }

    SequenceStep prefill() {
      SequenceStep step = new SequenceStep(id, prompt,
          IntStream.range(0, prompt.length).toArray(), view(), PrefillMode.EXACT, prompt.length,
          LogitsRows.LAST);
      length += prompt.length;
      return step;
    }

    SequenceStep decode(int token) {
      SequenceStep step = new SequenceStep(id, new int[] {token}, new int[] {length}, view(),
          PrefillMode.EXACT, 1, LogitsRows.LAST);
      length++;
      return step;
    }

    private CacheView view() {
      int[] table = IntStream.range(firstBlock, firstBlock + 8).toArray();
      return new CacheView(table, BLOCK, 0, 0, new KvLength.Uniform(length), Optional.empty(),
          false);
    }
  }
}
