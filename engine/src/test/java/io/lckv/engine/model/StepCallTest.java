package io.lckv.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lckv.engine.runner.PrefillMode;
import io.lckv.engine.runner.SequenceStep;
import io.lckv.engine.runner.SequenceStep.LogitsRows;
import io.lckv.engine.runner.StepBatch;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StepCallTest {

  private static SequenceStep step(long id, int tokens, int passes, LogitsRows rows) {
    return new SequenceStep(id, new int[tokens], IntStream.range(0, tokens).toArray(),
        FixtureModels.emptyCache((int) id, 1, 16), PrefillMode.EXACT, passes, rows);
  }

  @Test
  void sequencesShareACallOnlyWithTheSameTokensPassesAndRows() {
    var batch = new StepBatch(List.of(
        step(0, 5, 5, LogitsRows.LAST),
        step(1, 5, 3, LogitsRows.LAST),
        step(2, 5, 5, LogitsRows.LAST),
        step(3, 5, 5, LogitsRows.ALL),
        step(4, 2, 2, LogitsRows.LAST)));
    List<StepCall> calls = StepCall.split(batch);
    assertEquals(List.of(List.of(0, 2), List.of(1), List.of(3), List.of(4)),
        calls.stream().map(StepCall::batchIndices).toList());
  }

  @Test
  void aDecodeStepIsOneCall() {
    var batch = new StepBatch(IntStream.range(0, 8)
        .mapToObj(i -> step(i, 1, 1, LogitsRows.LAST)).toList());
    assertEquals(1, StepCall.split(batch).size());
  }
}
