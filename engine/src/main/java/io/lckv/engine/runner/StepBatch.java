package io.lckv.engine.runner;

import java.util.HashSet;
import java.util.List;

/**
 * The sequences of one runner call: all prefill chunks, or all decode tokens (see {@link
 * #isDecode()}); a sequence appears at most once.
 */
public record StepBatch(List<SequenceStep> sequences) {

  public StepBatch {
    sequences = List.copyOf(sequences);
    if (sequences.isEmpty()) {
      throw new IllegalArgumentException("a step needs at least one sequence");
    }
    var ids = new HashSet<Long>();
    for (SequenceStep step : sequences) {
      if (!ids.add(step.sequenceId())) {
        throw new IllegalArgumentException("sequence " + step.sequenceId() + " twice in a step");
      }
    }
  }

  /** Every sequence brings one token and runs one pass. */
  public boolean isDecode() {
    return sequences.stream().allMatch(s -> s.newTokens() == 1);
  }

  public int tokens() {
    return sequences.stream().mapToInt(SequenceStep::newTokens).sum();
  }
}
