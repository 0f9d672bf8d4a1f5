package io.lckv.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.converter.golden.Golden;
import io.lckv.engine.kv.CacheView;
import io.lckv.engine.kv.KvLength;
import io.lckv.engine.runner.PrefillMode;
import io.lckv.engine.runner.RunnerException;
import io.lckv.engine.runner.SequenceStep;
import io.lckv.engine.runner.SequenceStep.LogitsRows;
import io.lckv.engine.runner.StepBatch;
import io.lckv.nativeops.OpLibrary;
import io.lckv.nativeops.PoolDtype;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OrtModelRunnerTest {

  private final Golden golden = FixtureModels.all().getFirst().load();
  private final ModelFolder folder = FixtureModels.converted(golden);

  @Test
  void thePoolIsSizedFromTheBudgetAndTheSpecFromTheFolder() {
    var options = FixtureModels.exactOptions(1 << 20);
    try (var runner = OrtModelRunner.open(folder, options, FixtureModels.quiet())) {
      long perToken = 2L * folder.numKvLayers() * folder.numKvHeads() * folder.headDim() * 4;
      assertEquals(perToken, runner.spec().kvFootprint().bytesPerToken());
      assertEquals((1 << 20) / (perToken * 16), runner.spec().pool().blocks());
      assertEquals(runner.spec().pool().blocks(), runner.poolStats().numBlocks());
      assertEquals(folder.vocabSize(), runner.spec().vocabSize());
      assertEquals(folder.maxPasses(), runner.spec().referencePasses());
    }
  }

  @Test
  void aBlockOutsideThePoolFailsTheStepNotTheProcess() {
    try (var runner = OrtModelRunner.open(folder, FixtureModels.exactOptions(1 << 20),
        FixtureModels.quiet())) {
      int outside = runner.spec().pool().blocks() + 5;
      var cache = new CacheView(new int[] {outside}, 16, 0, 0, new KvLength.Uniform(3),
          Optional.empty(), false);
      var step = new SequenceStep(7, new int[] {1}, new int[] {3}, cache, PrefillMode.EXACT, 1,
          LogitsRows.LAST);
      var e = assertThrows(RunnerException.class, () -> runner.step(new StepBatch(List.of(step))));
      assertTrue(e.getMessage().contains("block_table") && e.getMessage().contains("" + outside),
          e.getMessage());
    }
  }

  @Test
  void aBudgetBelowOneBlockIsRefusedByName() {
    var e = assertThrows(ModelLoadException.class,
        () -> OrtModelRunner.open(folder, FixtureModels.exactOptions(100),
            FixtureModels.quiet()));
    assertTrue(e.getMessage().startsWith("KV pool of 100 bytes"), e.getMessage());
  }

  @Test
  void cudaWithoutAGpuBuildOrRuntimeIsAClearError() {
    var options = new RunnerOptions(new ExecutionDevice.Cuda(0, 0), 1 << 20, 16, PoolDtype.F16);
    var e = assertThrows(ModelLoadException.class, () -> OrtModelRunner.open(folder, options, FixtureModels.quiet()));
    assertTrue(e.getMessage().startsWith("device cuda"), e.getMessage());
    if (OpLibrary.cudaAvailable()) {
      assertTrue(e.getMessage().contains("CUDA execution provider"), e.getMessage());
    }
  }
}
