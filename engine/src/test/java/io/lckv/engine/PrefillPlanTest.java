package io.lckv.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lckv.engine.PrefillPlan.Split;
import io.lckv.engine.runner.ModelSpec;
import io.lckv.engine.runner.PrefillMode;
import org.junit.jupiter.api.Test;

class PrefillPlanTest {

  private static final ModelSpec SPEC = PagedFakeRunner.spec(64, 4, 256, 9);
  private static final int NO_WINDOW = Integer.MAX_VALUE;

  private static PrefillPlan plan(PrefillMode mode, int prompt, boolean window, int room) {
    return PrefillPlan.decide(mode, prompt, SPEC, 100, window, room);
  }

  @Test
  void exactPromptsSplitFreelyWithOnePassPerToken() {
    PrefillPlan plan = plan(PrefillMode.EXACT, 500, false, NO_WINDOW);
    assertEquals(new PrefillPlan(PrefillMode.EXACT, Split.FREE, 0), plan);
    assertEquals(37, plan.passes(37));
  }

  @Test
  void referenceUpToMPassesIsExactSoItSplitsFreelyAndKeepsItsName() {
    assertEquals(
        new PrefillPlan(PrefillMode.REFERENCE, Split.FREE, 0),
        plan(PrefillMode.REFERENCE, 9, false, NO_WINDOW));
  }

  @Test
  void longerReferencePromptsRunWholeWithMPasses() {
    PrefillPlan plan = plan(PrefillMode.REFERENCE, 100, false, NO_WINDOW);
    assertEquals(new PrefillPlan(PrefillMode.REFERENCE, Split.WHOLE, 9), plan);
    assertEquals(9, plan.passes(100));
  }

  @Test
  void referencePromptsTooLongForOneSpanFallBackToExact() {
    assertEquals(
        new PrefillPlan(PrefillMode.EXACT, Split.FREE, 0),
        plan(PrefillMode.REFERENCE, 101, false, NO_WINDOW));
    // a window that cannot take the span in one step forces the same fallback
    assertEquals(
        new PrefillPlan(PrefillMode.EXACT, Split.FIXED, 0),
        plan(PrefillMode.REFERENCE, 50, true, 40));
  }

  @Test
  void aWindowFixesChunkBoundariesBecauseEvictionDependsOnThem() {
    assertEquals(
        new PrefillPlan(PrefillMode.EXACT, Split.FIXED, 0), plan(PrefillMode.EXACT, 50, true, 64));
    assertEquals(
        new PrefillPlan(PrefillMode.REFERENCE, Split.WHOLE, 9),
        plan(PrefillMode.REFERENCE, 50, true, 64));
  }
}
