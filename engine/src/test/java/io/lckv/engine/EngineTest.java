package io.lckv.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.engine.kv.StreamingWindow;
import io.lckv.engine.runner.PrefillMode;
import io.lckv.engine.sampling.SamplingParams;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EngineTest {

  private static final EngineConfig CONFIG = new EngineConfig(6, 24, 32, 16);

  private final PagedFakeRunner runner = new PagedFakeRunner(PagedFakeRunner.spec(96, 4, 256, 4));
  private final Engine engine = Engine.start(runner, new LetterTokenizer(), CONFIG);

  @AfterEach
  void close() {
    engine.close();
  }

  private static GenerationHandle accepted(SubmitResult result) {
    return assertInstanceOf(SubmitResult.Accepted.class, result).handle();
  }

  private static GenerationRequest request(int i) {
    String prompt = "request number " + i + " says hello";
    var sampling =
        i % 2 == 0
            ? SamplingParams.greedy(5 + i)
            : SamplingParams.builder().seed(i).temperature(0.8).maxTokens(5 + i).build();
    return GenerationRequest.of(new LetterTokenizer().encode(prompt, false), sampling);
  }

  @Test
  void requestsFromManyThreadsComeOutAsIfEachRanAlone() throws Exception {
    List<String> alone = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      var soloRunner = new PagedFakeRunner(PagedFakeRunner.spec(96, 4, 256, 4));
      try (var solo = Engine.start(soloRunner, new LetterTokenizer(), CONFIG)) {
        alone.add(Outcome.await(accepted(solo.submit(request(i)))).summary());
      }
    }
    List<Future<String>> results = new ArrayList<>();
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 12; i++) {
        int n = i;
        results.add(
            clients.submit(() -> Outcome.await(accepted(engine.submit(request(n)))).summary()));
      }
    }
    for (int i = 0; i < 12; i++) {
      assertEquals(alone.get(i), results.get(i).get(), "request " + i);
    }
    Set<Thread> callers = runner.callers();
    assertEquals(1, callers.size());
    assertEquals("lckv-engine-loop", callers.iterator().next().getName());
    assertEquals(new EngineStats(0, 0, 0, 0), engine.stats());
  }

  /** A request that never ends by itself once the end token is off: its window slides on. */
  private static GenerationRequest endlessRequest() {
    return new GenerationRequest(
        new int[] {1, 2, 3}, SamplingParams.greedy(1_000_000), PrefillMode.EXACT,
        Optional.of(new StreamingWindow(2, 16)));
  }

  private GenerationHandle endless() throws InterruptedException {
    runner.eosLogit(Float.NEGATIVE_INFINITY);
    GenerationHandle handle = accepted(engine.submit(endlessRequest()));
    assertInstanceOf(GenerationEvent.Token.class, handle.nextEvent());
    return handle;
  }

  @Test
  void aCancelFromAnotherThreadEndsTheRequestAndFreesItsBlocks() throws Exception {
    GenerationHandle handle = endless();
    Thread.ofVirtual().start(handle::cancel).join();
    Outcome outcome = Outcome.await(handle);
    assertEquals(FinishReason.CANCELLED, outcome.reason());
    assertEquals(new EngineStats(0, 0, 0, 0), engine.stats());
  }

  @Test
  void anErrorOutOfTheRunnerEndsRunningRequestsAndTheLoopCarriesOn() throws Exception {
    runner.throwOnce(new AssertionError("boom"));
    Outcome failed = Outcome.await(accepted(engine.submit(request(1))));
    assertEquals(FinishReason.ERROR, failed.reason());
    assertEquals(
        Optional.of("engine iteration failed: java.lang.AssertionError: boom"),
        failed.finished().error());
    assertEquals(FinishReason.LENGTH, Outcome.await(accepted(engine.submit(request(2)))).reason());
    assertEquals(new EngineStats(0, 0, 0, 0), engine.stats());
  }

  @Test
  void closingEndsWhatIsInFlightAndRefusesNewWork() throws Exception {
    GenerationHandle handle = endless();
    engine.close();
    Outcome outcome = Outcome.await(handle);
    assertEquals(FinishReason.ERROR, outcome.reason());
    assertEquals(Optional.of("engine closed"), outcome.finished().error());
    assertThrows(IllegalStateException.class, () -> engine.submit(request(0)));
  }

  @Test
  void aDrainLetsQueuedAndRunningRequestsEndOnTheirOwnAndRefusesNewWork() throws Exception {
    List<GenerationHandle> handles = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      handles.add(accepted(engine.submit(request(i))));
    }
    assertEquals(0, engine.drain(Duration.ofMinutes(1)));
    assertEquals(new EngineStats(0, 0, 0, 0), engine.stats());
    for (GenerationHandle handle : handles) {
      FinishReason reason = Outcome.of(handle).reason();
      assertTrue(reason == FinishReason.STOP || reason == FinishReason.LENGTH, reason::name);
    }
    var refused = assertThrows(IllegalStateException.class, () -> engine.submit(request(0)));
    assertEquals("the engine is draining", refused.getMessage());
  }

  @Test
  void aDrainCancelsQueuedAndRunningRequestsThatOutlastItsTimeout() throws Exception {
    runner.eosLogit(Float.NEGATIVE_INFINITY);
    List<GenerationHandle> handles = new ArrayList<>();
    // One more than the batch holds: the last one waits in the queue.
    for (int i = 0; i <= CONFIG.maxBatch(); i++) {
      handles.add(accepted(engine.submit(endlessRequest())));
    }
    assertEquals(handles.size(), engine.drain(Duration.ofMillis(50)));
    assertEquals(new EngineStats(0, 0, 0, 0), engine.stats());
    List<Outcome> outcomes = handles.stream().map(Outcome::of).toList();
    for (Outcome outcome : outcomes) {
      assertEquals(FinishReason.CANCELLED, outcome.reason());
      assertEquals(Optional.empty(), outcome.finished().error());
    }
    assertTrue(outcomes.getLast().tokens().isEmpty(), "the queued one never ran");
  }

  @Test
  void aSecondDrainAndADrainAfterCloseReturnAtOnce() throws Exception {
    assertEquals(0, engine.drain(Duration.ZERO));
    assertEquals(0, engine.drain(Duration.ofDays(1)));
    engine.close();
    assertEquals(0, engine.drain(Duration.ofDays(1)));
  }

  @Test
  void theModelIsTheRunners() {
    assertEquals(runner.spec(), engine.model());
  }
}
