package io.lckv.converter.reference;

import io.lckv.converter.config.PassSchedule;

/** How many passes each cyclic group runs over the n new tokens of one call (spec §4). */
public sealed interface PassCount {

  /** The authors' count and the default: n when n <= M or use_sequential, else M. */
  PassCount REFERENCE = new Reference();

  /** n passes: every new position is exact (a decode step is one pass). */
  PassCount EXACT = new Exact();

  static PassCount fixed(int passes) {
    return new Fixed(passes);
  }

  int passesFor(int newTokens, PassSchedule schedule);

  record Reference() implements PassCount {
    @Override
    public int passesFor(int newTokens, PassSchedule schedule) {
      return schedule.referencePasses(newTokens);
    }
  }

  record Exact() implements PassCount {
    @Override
    public int passesFor(int newTokens, PassSchedule schedule) {
      return newTokens;
    }
  }

  /** An explicit count, whatever n is: for studying how the passes converge. */
  record Fixed(int passes) implements PassCount {
    public Fixed {
      if (passes < 1) {
        throw new IllegalArgumentException("a cyclic group needs at least one pass, got " + passes);
      }
    }

    @Override
    public int passesFor(int newTokens, PassSchedule schedule) {
      return passes;
    }
  }
}
