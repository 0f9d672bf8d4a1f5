package io.lckv.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.lckv.engine.kv.StreamingWindow;
import io.lckv.engine.runner.ModelRunner;
import io.lckv.engine.runner.ModelSpec;
import io.lckv.engine.runner.PrefillMode;
import io.lckv.engine.runner.SequenceLogits;
import io.lckv.engine.runner.SequenceStep;
import io.lckv.engine.runner.StepBatch;
import io.lckv.engine.sampling.SamplingParams;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SchedulerTest {

  private static final EngineConfig CONFIG = new EngineConfig(8, 16, 32, 4);

  private final ManualClock clock = new ManualClock();
  private PagedFakeRunner runner;
  private Scheduler scheduler;

  private void start(EngineConfig config) {
    start(PagedFakeRunner.spec(64, 4, 256, 4), config);
  }

  private void start(ModelSpec spec, EngineConfig config) {
    runner = new PagedFakeRunner(spec);
    scheduler = new Scheduler(runner, new LetterTokenizer(), config, clock, () -> {});
  }

  private GenerationHandle submit(GenerationRequest request) {
    return assertInstanceOf(SubmitResult.Accepted.class, scheduler.submit(request)).handle();
  }

  private void runUntilIdle() {
    for (int i = 0; scheduler.hasWork(); i++) {
      if (i > 10_000) {
        fail("the scheduler does not come to rest");
      }
      iterate();
    }
  }

  private void iterate() {
    scheduler.runIteration();
    scheduler.checkInvariants();
  }

  private static int[] prompt(String text) {
    return new LetterTokenizer().encode(text, false);
  }

  private static GenerationRequest greedy(String prompt, int maxTokens) {
    return GenerationRequest.of(prompt(prompt), SamplingParams.greedy(maxTokens));
  }

  private static GenerationRequest request(
      String prompt, SamplingParams sampling, PrefillMode mode, StreamingWindow window) {
    return new GenerationRequest(prompt(prompt), sampling, mode, Optional.ofNullable(window));
  }

  /** Runs each request alone on a fresh engine. */
  private List<Outcome> alone(EngineConfig config, List<GenerationRequest> requests) {
    List<Outcome> outcomes = new ArrayList<>();
    for (GenerationRequest request : requests) {
      start(config);
      GenerationHandle handle = submit(request);
      runUntilIdle();
      outcomes.add(Outcome.of(handle));
    }
    return outcomes;
  }

  private List<StepBatch> decodeBatches() {
    return runner.batches().stream()
        .filter(b -> b.sequences().stream().allMatch(s -> s.mode() == PrefillMode.EXACT && s.passes() == 1 && s.newTokens() == 1))
        .toList();
  }

  @Test
  void aRequestRunsToMaxTokensWithTokensUsageAndTimings() {
    start(CONFIG);
    runner.eosLogit(Float.NEGATIVE_INFINITY);
    runner.onStep(() -> clock.advance(Duration.ofMillis(10)));
    GenerationHandle handle = submit(greedy("hello", 4));
    runUntilIdle();
    Outcome outcome = Outcome.of(handle);
    assertEquals(FinishReason.LENGTH, outcome.reason());
    assertEquals(4, outcome.tokens().size());
    assertEquals(new LetterTokenizer().decode(outcome.tokens().stream().mapToInt(i -> i).toArray()), outcome.text());
    assertEquals(new Usage(5, 4), outcome.finished().usage());
    assertEquals(PrefillMode.REFERENCE, outcome.finished().prefillMode());
    RequestTimings timings = outcome.finished().timings();
    assertEquals(Duration.ZERO, timings.queue());
    // prefill step, then a decode step in the same iteration, then one decode step per iteration
    assertEquals(Optional.of(Duration.ofMillis(10)), timings.timeToFirstToken());
    assertEquals(List.of(Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofMillis(10)), timings.interTokenLatencies());
    assertEquals(Duration.ofMillis(40), timings.endToEnd());
    for (int i = 0; i < 4; i++) {
      assertEquals(i, ((GenerationEvent.Token) outcome.events().get(i)).index());
    }
    assertEquals(new EngineStats(0, 0, 0, 0), scheduler.stats());
  }

  @Test
  void batchedOutputEqualsEachRequestRunAlone() {
    var seeded = SamplingParams.builder().temperature(0.9).topP(0.9).seed(11).maxTokens(12);
    List<GenerationRequest> requests =
        List.of(
            greedy("the quick brown fox", 10),
            greedy("a", 14),
            request("jumps over", seeded.build(), PrefillMode.EXACT, null),
            request("the lazy dog and a much longer prompt", seeded.seed(3).build(), PrefillMode.REFERENCE, null),
            request("reference prompt over the budget", SamplingParams.greedy(6), PrefillMode.REFERENCE, null),
            request("streaming prompt longer than the window", SamplingParams.greedy(30), PrefillMode.EXACT, new StreamingWindow(2, 12)),
            request("penalised", SamplingParams.builder().temperature(0).repetitionPenalty(1.5).presencePenalty(0.5).maxTokens(9).build(), PrefillMode.EXACT, null),
            request("stop here", SamplingParams.builder().temperature(1.2).seed(5).stop(List.of("e", "a")).maxTokens(20).build(), PrefillMode.EXACT, null),
            request("sinks", SamplingParams.builder().seed(9).maxTokens(25).build(), PrefillMode.REFERENCE, new StreamingWindow(1, 6)));
    List<String> expected = alone(CONFIG, requests).stream().map(Outcome::summary).toList();

    start(CONFIG);
    List<GenerationHandle> handles = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      if (i == 4) {
        iterate(); // the rest arrive while the first ones run
        iterate();
      }
      handles.add(submit(requests.get(i)));
    }
    runUntilIdle();
    List<String> batched = handles.stream().map(Outcome::of).map(Outcome::summary).toList();
    assertEquals(expected, batched);
    assertTrue(decodeBatches().stream().anyMatch(b -> b.sequences().size() >= 4), "requests shared decode steps");
  }

  @Test
  void everyIterationRunsOneDecodeStepForAllDecodingRequests() {
    start(CONFIG);
    runner.eosLogit(Float.NEGATIVE_INFINITY);
    GenerationHandle a = submit(greedy("first", 8));
    iterate();
    iterate();
    GenerationHandle b = submit(greedy("second", 4));
    iterate(); // b's prefill and first decode, a's decode: one decode step for both
    List<StepBatch> decodes = decodeBatches();
    StepBatch last = decodes.getLast();
    assertEquals(List.of(a.id(), b.id()), last.sequences().stream().map(SequenceStep::sequenceId).toList());
    runUntilIdle();
    assertEquals(FinishReason.LENGTH, Outcome.of(a).reason());
    assertEquals(FinishReason.LENGTH, Outcome.of(b).reason());
  }

  @Test
  void aPromptLongerThanTheBudgetIsChunkedWithOnePassPerToken() {
    start(new EngineConfig(4, 8, 32, 4));
    GenerationHandle handle = submit(request("twenty letters long!", SamplingParams.greedy(1), PrefillMode.EXACT, null));
    runUntilIdle();
    List<SequenceStep> chunks = runner.batches().stream().map(b -> b.sequences().getFirst()).toList();
    assertEquals(List.of(8, 8, 4), chunks.stream().map(SequenceStep::newTokens).toList());
    assertEquals(List.of(8, 8, 4), chunks.stream().map(SequenceStep::passes).toList());
    assertEquals(List.of(0, 8, 16), chunks.stream().map(s -> s.positions()[0]).toList());
    assertEquals(PrefillMode.EXACT, Outcome.of(handle).finished().prefillMode());
  }

  @Test
  void referencePromptsGiveTheUnchunkedNumbersWhateverTheBudget() {
    // M = 4; the prompt has 20 tokens: reference differs from exact, so it must go whole
    GenerationRequest reference = greedy("twenty letters long!", 6);
    List<Outcome> unchunked = alone(new EngineConfig(4, 64, 64, 4), List.of(reference));

    start(new EngineConfig(4, 8, 32, 4));
    GenerationHandle other = submit(greedy("busy", 3));
    GenerationHandle handle = submit(reference);
    runUntilIdle();
    Outcome outcome = Outcome.of(handle);
    assertEquals(unchunked.getFirst().summary(), outcome.summary());
    assertEquals(PrefillMode.REFERENCE, outcome.finished().prefillMode());
    SequenceStep span =
        runner.batches().stream()
            .flatMap(b -> b.sequences().stream())
            .filter(s -> s.sequenceId() == handle.id() && s.newTokens() > 1)
            .reduce((x, y) -> fail("the span was split"))
            .orElseThrow();
    assertEquals(20, span.newTokens()); // over the budget of 8: a step of its own
    assertEquals(4, span.passes());
    assertEquals(FinishReason.LENGTH, Outcome.of(other).reason());
  }

  @Test
  void referencePromptsTooLongForOneSpanArePrefilledInExactMode() {
    GenerationRequest reference = greedy("twenty letters long!", 6);
    GenerationRequest exact = request("twenty letters long!", SamplingParams.greedy(6), PrefillMode.EXACT, null);
    EngineConfig shortSpans = new EngineConfig(4, 8, 16, 4);
    List<Outcome> outcomes = alone(shortSpans, List.of(reference, exact));
    assertEquals(PrefillMode.EXACT, outcomes.get(0).finished().prefillMode());
    assertEquals(outcomes.get(1).summary(), outcomes.get(0).summary());
    List<Outcome> whole = alone(new EngineConfig(4, 8, 32, 4), List.of(reference));
    assertNotEquals(outcomes.get(0).summary(), whole.getFirst().summary(), "M passes are approximate");
  }

  @Test
  void referenceUpToMTokensMaySplitBecauseItIsExact() {
    GenerationRequest reference = greedy("four", 5);
    List<Outcome> unchunked = alone(new EngineConfig(2, 64, 64, 4), List.of(reference));
    start(new EngineConfig(2, 2, 64, 4));
    GenerationHandle handle = submit(reference);
    runUntilIdle();
    Outcome outcome = Outcome.of(handle);
    assertEquals(unchunked.getFirst().summary(), outcome.summary());
    assertEquals(PrefillMode.REFERENCE, outcome.finished().prefillMode());
    assertEquals(List.of(2, 2), runner.batches().subList(0, 2).stream().map(b -> b.sequences().getFirst().passes()).toList());
  }

  @Test
  void aStreamingRequestGeneratesPastTheContextWithABoundedCache() {
    start(PagedFakeRunner.spec(16, 4, 32, 4), CONFIG);
    runner.eosLogit(Float.NEGATIVE_INFINITY);
    var window = new StreamingWindow(2, 12);
    GenerationHandle handle = submit(request("a prompt of twenty two", SamplingParams.greedy(100), PrefillMode.EXACT, window));
    int mostBlocks = 0;
    while (scheduler.hasWork()) {
      iterate();
      mostBlocks = Math.max(mostBlocks, (int) Math.round(scheduler.stats().kvUsage() * 16));
    }
    Outcome outcome = Outcome.of(handle);
    assertEquals(FinishReason.LENGTH, outcome.reason());
    assertEquals(100, outcome.tokens().size());
    for (StepBatch batch : runner.batches()) {
      SequenceStep step = batch.sequences().getFirst();
      assertTrue(step.cache().committed().longest() + step.newTokens() <= 12, "cache within the window");
    }
    assertTrue(mostBlocks <= 5, "1 sink block + at most 4 recent blocks, not " + mostBlocks);
    assertEquals(0.0, scheduler.stats().kvUsage());
  }

  @Test
  void aStreamingPromptSplitsTheSameWhateverElseSharesTheStep() {
    // eviction inside the prompt depends on where chunks end, so they must not follow leftovers
    var window = new StreamingWindow(2, 12);
    GenerationRequest streaming =
        request("thirty letters of prompt text.", SamplingParams.greedy(10), PrefillMode.EXACT, window);
    Outcome solo = alone(CONFIG, List.of(streaming)).getFirst();
    List<Integer> soloChunks = chunksOf(1);
    assertEquals(List.of(12, 10, 8), soloChunks);

    start(CONFIG);
    submit(request("ten tokens", SamplingParams.greedy(3), PrefillMode.EXACT, null));
    GenerationHandle handle = submit(streaming);
    runUntilIdle();
    assertEquals(soloChunks, chunksOf(handle.id()));
    assertEquals(solo.summary(), Outcome.of(handle).summary());
  }

  private List<Integer> chunksOf(long sequenceId) {
    return runner.batches().stream()
        .flatMap(b -> b.sequences().stream())
        .filter(s -> s.sequenceId() == sequenceId && s.newTokens() > 1)
        .map(SequenceStep::newTokens)
        .toList();
  }

  @Test
  void cancellingFreesTheBlocksAtTheNextStep() throws InterruptedException {
    start(new EngineConfig(1, 16, 32, 4));
    runner.eosLogit(Float.NEGATIVE_INFINITY);
    GenerationHandle running = submit(greedy("long", 50));
    GenerationHandle queued = submit(greedy("queued", 5));
    iterate();
    iterate();
    assertEquals(new EngineStats(1, 1, 2 / 64.0, 14 / 64.0), scheduler.stats());
    Thread canceller = Thread.ofVirtual().start(() -> { running.cancel(); queued.cancel(); });
    canceller.join();
    iterate();
    assertEquals(new EngineStats(0, 0, 0, 0), scheduler.stats());
    Outcome cancelled = Outcome.of(running);
    assertEquals(FinishReason.CANCELLED, cancelled.reason());
    assertEquals(new Usage(4, 3), cancelled.finished().usage());
    Outcome neverRan = Outcome.of(queued);
    assertEquals(FinishReason.CANCELLED, neverRan.reason());
    assertEquals(List.of(), neverRan.tokens());
    assertEquals(Optional.empty(), neverRan.finished().timings().timeToFirstToken());
    assertFalse(scheduler.hasWork());
  }

  @Test
  void cancelAllEndsQueuedAdmittedAndRunningRequestsAndFreesTheirBlocks() {
    start(new EngineConfig(2, 16, 32, 4));
    runner.eosLogit(Float.NEGATIVE_INFINITY);
    GenerationHandle running = submit(greedy("long", 50));
    iterate();
    GenerationHandle admitted = submit(greedy("admitted", 50));
    GenerationHandle queued = submit(greedy("queued", 5));
    assertEquals(3, scheduler.cancelAll());
    scheduler.checkInvariants();
    assertEquals(new EngineStats(0, 0, 0, 0), scheduler.stats());
    assertFalse(scheduler.hasWork());
    List<Outcome> outcomes = List.of(Outcome.of(running), Outcome.of(admitted), Outcome.of(queued));
    for (Outcome outcome : outcomes) {
      assertEquals(FinishReason.CANCELLED, outcome.reason());
      assertEquals(Optional.empty(), outcome.finished().error());
    }
    assertFalse(outcomes.get(0).tokens().isEmpty());
    assertEquals(List.of(), outcomes.get(1).tokens());
  }

  @Test
  void aFailedStepEndsItsRequestsFreesTheirBlocksAndTheLoopGoesOn() {
    start(CONFIG);
    runner.eosLogit(Float.NEGATIVE_INFINITY);
    GenerationHandle a = submit(greedy("alpha", 10));
    GenerationHandle b = submit(greedy("beta", 10));
    iterate();
    var failOnce = new AtomicBoolean(true);
    runner.failWhen(batch -> batch.sequences().size() == 2 && failOnce.getAndSet(false));
    iterate();
    GenerationHandle c = submit(greedy("gamma", 3));
    runUntilIdle();
    for (GenerationHandle failed : List.of(a, b)) {
      Outcome outcome = Outcome.of(failed);
      assertEquals(FinishReason.ERROR, outcome.reason());
      assertEquals(Optional.of("model step failed: injected failure"), outcome.finished().error());
    }
    assertEquals(FinishReason.LENGTH, Outcome.of(c).reason());
    assertEquals(0.0, scheduler.stats().kvReserved());
  }

  @Test
  void aTokenizerFailureEndsOnlyItsRequest() {
    var broken = new AtomicBoolean();
    var tokenizer =
        new LetterTokenizer() {
          @Override
          public String decode(int[] tokenIds) {
            if (broken.get()) {
              throw new IllegalStateException("decoder gone");
            }
            return super.decode(tokenIds);
          }
        };
    runner = new PagedFakeRunner(PagedFakeRunner.spec(64, 4, 256, 4));
    runner.eosLogit(Float.NEGATIVE_INFINITY);
    scheduler = new Scheduler(runner, tokenizer, CONFIG, clock, () -> {});
    GenerationHandle victim = submit(greedy("victim", 10));
    iterate();
    broken.set(true);
    iterate();
    broken.set(false);
    GenerationHandle next = submit(greedy("next", 3));
    runUntilIdle();
    Outcome failed = Outcome.of(victim);
    assertEquals(FinishReason.ERROR, failed.reason());
    assertEquals(Optional.of("detokenization failed: decoder gone"), failed.finished().error());
    assertEquals(FinishReason.LENGTH, Outcome.of(next).reason());
  }

  @Test
  void logitsOfTheWrongShapeFailTheStep() {
    var spec = PagedFakeRunner.spec(8, 4, 64, 4);
    ModelRunner broken =
        new ModelRunner() {
          @Override
          public ModelSpec spec() {
            return spec;
          }

          @Override
          public List<SequenceLogits> step(StepBatch batch) {
            return List.of(new SequenceLogits(new float[][] {new float[3]}));
          }
        };
    scheduler = new Scheduler(broken, new LetterTokenizer(), CONFIG, clock, () -> {});
    GenerationHandle handle = submit(greedy("x", 2));
    scheduler.runIteration();
    Outcome outcome = Outcome.of(handle);
    assertEquals(FinishReason.ERROR, outcome.reason());
    assertEquals(
        Optional.of("model step failed: runner returned a row of 3 logits, vocabulary is 42"),
        outcome.finished().error());
  }

  @Test
  void nanLogitsEndOnlyTheirRequest() {
    var spec = PagedFakeRunner.spec(8, 4, 64, 4);
    ModelRunner nanForFirst =
        new ModelRunner() {
          @Override
          public ModelSpec spec() {
            return spec;
          }

          @Override
          public List<SequenceLogits> step(StepBatch batch) {
            List<SequenceLogits> out = new ArrayList<>();
            for (SequenceStep step : batch.sequences()) {
              float[] row = new float[PagedFakeRunner.VOCAB];
              row[0] = step.sequenceId() == 1 ? Float.NaN : 1;
              out.add(new SequenceLogits(new float[][] {row}));
            }
            return out;
          }
        };
    scheduler = new Scheduler(nanForFirst, new LetterTokenizer(), CONFIG, clock, () -> {});
    GenerationHandle poisoned = submit(greedy("x", 2));
    GenerationHandle healthy = submit(greedy("y", 2));
    scheduler.runIteration();
    scheduler.runIteration();
    Outcome failed = Outcome.of(poisoned);
    assertEquals(FinishReason.ERROR, failed.reason());
    assertEquals(Optional.of("sampling failed: logit of token 0 is NaN"), failed.finished().error());
    assertEquals("LENGTH [0, 0] \"aa\"", Outcome.of(healthy).summary());
  }

  @Test
  void anEndTokenStopsWithoutATokenEventButCountsInUsage() {
    start(CONFIG);
    runner.eosLogit(100);
    GenerationHandle handle = submit(greedy("hi", 5));
    runUntilIdle();
    Outcome outcome = Outcome.of(handle);
    assertEquals(FinishReason.STOP, outcome.reason());
    assertEquals(List.of(), outcome.tokens());
    assertEquals(new Usage(2, 1), outcome.finished().usage());
  }

  @Test
  void aStopStringAcrossTokensEndsTheTextBeforeIt() {
    start(CONFIG);
    runner.eosLogit(Float.NEGATIVE_INFINITY);
    GenerationHandle free = submit(greedy("say", 8));
    runUntilIdle();
    String text = Outcome.of(free).text();
    String stop = text.substring(3, 5);
    int at = text.indexOf(stop);

    start(CONFIG);
    runner.eosLogit(Float.NEGATIVE_INFINITY);
    var sampling = SamplingParams.builder().temperature(0).stop(List.of(stop)).maxTokens(8).build();
    GenerationHandle stopped = submit(GenerationRequest.of(prompt("say"), sampling));
    runUntilIdle();
    Outcome outcome = Outcome.of(stopped);
    assertEquals(FinishReason.STOP, outcome.reason());
    assertEquals(text.substring(0, at), outcome.text());
    assertEquals(at + 2, outcome.tokens().size()); // the tokens that spelled the stop string count
  }

  @Test
  void whenThePoolAndTheQueueAreFullSubmissionsAreOverloaded() {
    start(PagedFakeRunner.spec(4, 4, 64, 4), new EngineConfig(1, 8, 8, 1));
    submit(greedy("one", 4));
    submit(greedy("two", 4));
    var result = scheduler.submit(greedy("three", 4));
    assertEquals(new SubmitResult.Overloaded(Duration.ofSeconds(1), 1), result);
  }

  @Test
  void requestsThatCannotRunOnThisModelNameTheirParameter() {
    start(PagedFakeRunner.spec(4, 4, 64, 4), CONFIG);
    assertEquals("prompt", assertThrows(InvalidParameterException.class, () -> scheduler.submit(GenerationRequest.of(new int[] {PagedFakeRunner.VOCAB}, SamplingParams.greedy(1)))).parameter());
    var tooLong = assertThrows(InvalidParameterException.class, () -> scheduler.submit(greedy("abc", 62)));
    assertEquals("max_tokens: the prompt's 3 tokens plus max_tokens 62 exceed the model's context of 64 tokens", tooLong.getMessage());
    var tooBig = assertThrows(InvalidParameterException.class, () -> scheduler.submit(greedy("abc", 20)));
    assertEquals("max_tokens: the prompt and max_tokens need 6 KV blocks but the pool holds 4", tooBig.getMessage());
    assertEquals("streaming.window_tokens", assertThrows(InvalidParameterException.class, () -> scheduler.submit(request("abc", SamplingParams.greedy(1), PrefillMode.EXACT, new StreamingWindow(4, 65)))).parameter());
  }

  @Test
  void maxTokensForIsTheLargestValueSubmitAccepts() {
    // Context 64 tokens; a pool of 32 slots bounds max_tokens first, one of 256 slots does not.
    for (ModelSpec spec : List.of(PagedFakeRunner.spec(4, 8, 64, 4), PagedFakeRunner.spec(64, 4, 64, 4))) {
      long slots = spec.pool().tokens();
      for (String text : List.of("a", "abc", "abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz012")) {
        start(spec, CONFIG);
        int most = scheduler.maxTokensFor(text.length());
        assertEquals(Math.min(64 - text.length(), slots + 1 - text.length()), most, slots + " " + text);
        assertThrows(InvalidParameterException.class, () -> scheduler.submit(greedy(text, most + 1)));
        assertInstanceOf(SubmitResult.Accepted.class, scheduler.submit(greedy(text, most)));
      }
      assertEquals(0, scheduler.maxTokensFor(64));
      assertEquals(0, scheduler.maxTokensFor(Math.toIntExact(slots) + 1));
    }
  }
}
