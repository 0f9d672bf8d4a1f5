package io.lckv.engine;

import io.lckv.engine.kv.CacheView;
import io.lckv.engine.kv.KvCache;
import io.lckv.engine.runner.ModelRunner;
import io.lckv.engine.runner.ModelSpec;
import io.lckv.engine.runner.PrefillMode;
import io.lckv.engine.runner.RunnerException;
import io.lckv.engine.runner.SequenceLogits;
import io.lckv.engine.runner.SequenceStep;
import io.lckv.engine.runner.StepBatch;
import io.lckv.engine.sampling.SampledToken;
import io.lckv.engine.sampling.Sampler;
import io.lckv.engine.text.GeneratedText;
import io.lckv.engine.text.StopStrings.Released;
import io.lckv.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.IntStream;

/**
 * Continuous batching, one iteration at a time. {@link #submit} is thread-safe; every other method
 * belongs to the single engine loop thread, which alone calls the runner.
 *
 * <p>An iteration: drop cancelled requests, start newly admitted ones, run one prefill step (prompt
 * chunks under the token budget, oldest request first, see {@link PrefillPlan}), then run one
 * decode step with every request that has a token to feed, sample, emit, and retire what
 * finished. A request's tokens depend only on its own logits and its own random generator, so its
 * output does not depend on what else shares a batch.
 */
final class Scheduler {

  private static final System.Logger LOG = System.getLogger(Scheduler.class.getName());

  private record Chunk(RequestState request, int tokens) {}

  /** What sampling one request's next token came to. */
  private sealed interface Draw {
    record Sampled(SampledToken token) implements Draw {}

    record Failed(RuntimeException cause) implements Draw {}
  }

  private final ModelRunner runner;
  private final ModelSpec spec;
  private final Tokenizer tokenizer;
  private final EngineConfig config;
  private final LongSupplier clock;
  private final Runnable wakeLoop;
  private final KvCache kv;
  private final Admission admission;
  private final RetryAfterEstimate retryAfter = new RetryAfterEstimate();
  private final AtomicLong ids = new AtomicLong();
  /** Admitted requests in admission order. */
  private final List<RequestState> running = new ArrayList<>();

  Scheduler(
      ModelRunner runner, Tokenizer tokenizer, EngineConfig config, LongSupplier clock,
      Runnable wakeLoop) {
    this.runner = runner;
    this.spec = runner.spec();
    this.tokenizer = tokenizer;
    this.config = config;
    this.clock = clock;
    this.wakeLoop = wakeLoop;
    this.kv = new KvCache(spec.pool());
    this.admission = new Admission(kv, config.maxBatch(), config.maxWaiting());
  }

  ModelSpec spec() {
    return spec;
  }

  /** Validates, then admits, queues or turns the request away. */
  SubmitResult submit(GenerationRequest request) {
    validate(request);
    long id = ids.incrementAndGet();
    long seed = request.sampling().seed().orElseGet(() -> ThreadLocalRandom.current().nextLong());
    var state =
        new RequestState(id, request, new GenerationHandle(id, wakeLoop), seed, clock.getAsLong());
    if (!admission.offer(state)) {
      return new SubmitResult.Overloaded(retryAfter.hint(), admission.waiting());
    }
    return new SubmitResult.Accepted(state.handle);
  }

  boolean hasWork() {
    return !running.isEmpty() || admission.hasPending();
  }

  EngineStats stats() {
    var usage = kv.usage();
    return new EngineStats(
        admission.holders(), admission.waiting(), usage.usedFraction(), usage.reservedFraction());
  }

  void runIteration() {
    for (RequestState request : admission.dropCancelledWaiting()) {
      finish(request, FinishReason.CANCELLED, "", Optional.empty());
    }
    admission.admitWaiting(clock.getAsLong());
    for (RequestState request : admission.takeAdmitted()) {
      start(request);
    }
    for (RequestState request : List.copyOf(running)) {
      if (request.handle.cancelRequested()) {
        finish(request, FinishReason.CANCELLED, "", Optional.empty());
      }
    }
    prefillStep();
    decodeStep();
  }

  /** Ends every request, queued or running, with an error; the engine is going away. */
  void abortAll(String why) {
    endAll(FinishReason.ERROR, Optional.of(why));
  }

  /**
   * Ends every request, queued or running, as cancelled, as if each had been cancelled by its
   * handle; their KV blocks are free on return.
   *
   * @return how many requests it ended
   */
  int cancelAll() {
    return endAll(FinishReason.CANCELLED, Optional.empty());
  }

  /**
   * Ends every admitted request with an error, wherever its step got to; queued requests keep
   * their place.
   */
  void abortRunning(String why) {
    endRunning(FinishReason.ERROR, Optional.of(why));
  }

  private int endAll(FinishReason reason, Optional<String> error) {
    List<RequestState> queued = admission.drainWaiting();
    for (RequestState request : queued) {
      finish(request, reason, "", error);
    }
    return queued.size() + endRunning(reason, error);
  }

  private int endRunning(FinishReason reason, Optional<String> error) {
    running.addAll(admission.takeAdmitted());
    List<RequestState> ended = List.copyOf(running);
    for (RequestState request : ended) {
      finish(request, reason, "", error);
    }
    return ended.size();
  }

  /** Throws if KV books, reservations and request phases disagree; for tests. */
  void checkInvariants() {
    kv.checkInvariants();
    admission.checkInvariants(running);
    for (RequestState request : running) {
      if (request.phase != RequestState.Phase.PREFILL && request.phase != RequestState.Phase.DECODE) {
        throw new IllegalStateException("request " + request.id + " runs in phase " + request.phase);
      }
    }
  }

  /**
   * The largest {@code max_tokens} that {@link #validate} accepts for a prompt of {@code
   * promptTokens} tokens without a window: bounded by the context and by the pool, which must
   * hold the prompt and every generated token but the last ({@link
   * GenerationRequest#cacheTokensAtMost()}). 0 when the prompt alone does not fit.
   */
  int maxTokensFor(int promptTokens) {
    long byContext = (long) spec.maxContextTokens() - promptTokens;
    long byPool = spec.pool().tokens() - promptTokens + 1;
    return (int) Math.clamp(Math.min(byContext, byPool), 0, Integer.MAX_VALUE);
  }

  private void validate(GenerationRequest request) {
    for (int token : request.promptTokens()) {
      if (token < 0 || token >= spec.vocabSize()) {
        throw new InvalidParameterException(
            "prompt",
            "token " + token + " is outside the vocabulary of " + spec.vocabSize() + " tokens");
      }
    }
    int promptTokens = request.promptTokens().length;
    int maxTokens = request.sampling().maxTokens();
    if (request.streaming().isEmpty()) {
      if ((long) promptTokens + maxTokens > spec.maxContextTokens()) {
        throw new InvalidParameterException(
            "max_tokens",
            "the prompt's " + promptTokens + " tokens plus max_tokens " + maxTokens
                + " exceed the model's context of " + spec.maxContextTokens() + " tokens");
      }
    } else if (request.streaming().get().windowTokens() > spec.maxContextTokens()) {
      throw new InvalidParameterException(
          "streaming.window_tokens",
          "the window of " + request.streaming().get().windowTokens()
              + " tokens exceeds the model's context of " + spec.maxContextTokens() + " tokens");
    }
    long blocks = kv.blocksToReserve(request.cacheTokensAtMost(), request.streaming());
    if (blocks > spec.pool().blocks()) {
      throw new InvalidParameterException(
          "max_tokens",
          "the prompt and max_tokens need " + blocks + " KV blocks but the pool holds "
              + spec.pool().blocks());
    }
  }

  private void start(RequestState request) {
    running.add(request);
    request.phase = RequestState.Phase.PREFILL;
    try {
      var sampling = request.request.sampling();
      request.plan =
          PrefillPlan.decide(
              request.request.prefill(), request.prompt.length, spec,
              config.maxReferenceSpanTokens(), request.request.streaming().isPresent(),
              kv.maxNewTokens(request.id));
      request.sampler = new Sampler(sampling, request.prompt, request.seed);
      request.text = new GeneratedText(tokenizer, request.prompt, sampling.stop());
    } catch (RuntimeException e) {
      finish(request, FinishReason.ERROR, "", Optional.of("could not start: " + e.getMessage()));
    }
  }

  private void prefillStep() {
    List<Chunk> chunks = planPrefill();
    if (chunks.isEmpty()) {
      return;
    }
    List<SequenceStep> steps = new ArrayList<>();
    for (Chunk chunk : chunks) {
      RequestState request = chunk.request();
      int[] tokens =
          Arrays.copyOfRange(request.prompt, request.prefilled, request.prefilled + chunk.tokens());
      steps.add(
          step(request, tokens, request.plan.mode(), request.plan.passes(chunk.tokens())));
    }
    List<RequestState> requests = chunks.stream().map(Chunk::request).toList();
    Optional<List<SequenceLogits>> logits = run(steps, requests);
    if (logits.isEmpty()) {
      return;
    }
    List<RequestState> prefilled = new ArrayList<>();
    List<SequenceLogits> lastLogits = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      RequestState request = requests.get(i);
      kv.commit(request.id);
      request.prefilled += chunks.get(i).tokens();
      if (request.prefilled == request.prompt.length) {
        request.phase = RequestState.Phase.DECODE;
        prefilled.add(request);
        lastLogits.add(logits.get().get(i));
      }
    }
    sampleAndEmit(prefilled, lastLogits);
  }

  /**
   * Oldest first, each request's next chunk. A {@link PrefillPlan.Split#FREE} chunk takes what is
   * left of the step budget; a chunk whose boundaries are fixed waits for a step with room for
   * all of it, or has a step of its own when it is larger than the budget. Requests behind a
   * waiting chunk wait too, so nobody overtakes.
   */
  private List<Chunk> planPrefill() {
    List<Chunk> chunks = new ArrayList<>();
    int budget = config.maxTokensPerStep();
    for (RequestState request : running) {
      if (request.phase != RequestState.Phase.PREFILL) {
        continue;
      }
      int remaining = request.prompt.length - request.prefilled;
      int room = kv.maxNewTokens(request.id);
      int tokens =
          switch (request.plan.split()) {
            case FREE -> Math.min(Math.min(remaining, room), budget);
            case FIXED -> Math.min(Math.min(remaining, room), config.maxTokensPerStep());
            case WHOLE -> remaining;
          };
      if (tokens > budget && !chunks.isEmpty()) {
        break;
      }
      chunks.add(new Chunk(request, tokens));
      budget -= tokens;
      if (budget <= 0) {
        break;
      }
    }
    return chunks;
  }

  private void decodeStep() {
    List<RequestState> requests =
        running.stream().filter(r -> r.phase == RequestState.Phase.DECODE).toList();
    if (requests.isEmpty()) {
      return;
    }
    List<SequenceStep> steps = new ArrayList<>();
    for (RequestState request : requests) {
      steps.add(step(request, new int[] {request.pendingToken}, PrefillMode.EXACT, 1));
    }
    Optional<List<SequenceLogits>> logits = run(steps, requests);
    if (logits.isEmpty()) {
      return;
    }
    for (RequestState request : requests) {
      kv.commit(request.id);
    }
    sampleAndEmit(requests, logits.get());
  }

  private SequenceStep step(RequestState request, int[] tokens, PrefillMode mode, int passes) {
    CacheView cache = kv.prepare(request.id, tokens.length);
    int committed = cache.committed().longest();
    int[] positions = new int[tokens.length];
    for (int j = 0; j < tokens.length; j++) {
      positions[j] = committed + j;
    }
    return new SequenceStep(
        request.id, tokens, positions, cache, mode, passes, SequenceStep.LogitsRows.LAST);
  }

  /** Runs one step; on failure every request in it ends with an error and empty is returned. */
  private Optional<List<SequenceLogits>> run(
      List<SequenceStep> steps, List<RequestState> requests) {
    try {
      List<SequenceLogits> logits = runner.step(new StepBatch(steps));
      checkShape(logits, steps.size());
      return Optional.of(logits);
    } catch (RunnerException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "model step of " + requests.size() + " requests failed", e);
      for (RequestState request : requests) {
        finish(request, FinishReason.ERROR, "", Optional.of("model step failed: " + e.getMessage()));
      }
      return Optional.empty();
    }
  }

  private void checkShape(List<SequenceLogits> logits, int sequences) throws RunnerException {
    if (logits.size() != sequences) {
      throw new RunnerException(
          "runner returned logits for " + logits.size() + " of " + sequences + " sequences");
    }
    for (SequenceLogits sequence : logits) {
      if (sequence.last().length != spec.vocabSize()) {
        throw new RunnerException(
            "runner returned a row of " + sequence.last().length + " logits, vocabulary is "
                + spec.vocabSize());
      }
    }
  }

  /**
   * Samples every request's next token in parallel, then emits in order on this thread. Each
   * request owns its sampler and random generator, so which thread samples it changes nothing.
   */
  private void sampleAndEmit(List<RequestState> requests, List<SequenceLogits> logits) {
    Draw[] draws = new Draw[requests.size()];
    IntStream.range(0, draws.length)
        .parallel()
        .forEach(
            i -> {
              try {
                draws[i] = new Draw.Sampled(requests.get(i).sampler.sample(logits.get(i).last()));
              } catch (RuntimeException e) {
                draws[i] = new Draw.Failed(e);
              }
            });
    long now = clock.getAsLong();
    for (int i = 0; i < draws.length; i++) {
      RequestState request = requests.get(i);
      switch (draws[i]) {
        case Draw.Sampled(SampledToken token) -> {
          request.recordSample(now);
          emit(request, token);
        }
        case Draw.Failed(RuntimeException cause) ->
            finish(
                request, FinishReason.ERROR, "", Optional.of("sampling failed: " + cause.getMessage()));
      }
    }
  }

  private void emit(RequestState request, SampledToken token) {
    if (spec.eosTokenIds().contains(token.tokenId())) {
      finishWithRemainingText(request, FinishReason.STOP);
      return;
    }
    Optional<Released> text = text(request, t -> t.append(token.tokenId()));
    if (text.isEmpty()) {
      return;
    }
    Released released = text.get();
    request.handle.deliver(
        new GenerationEvent.Token(
            request.generated - 1, token.tokenId(), released.text(), token.logprobs()));
    if (released.stopped()) {
      finish(request, FinishReason.STOP, "", Optional.empty());
    } else if (request.generated == request.request.sampling().maxTokens()) {
      finishWithRemainingText(request, FinishReason.LENGTH);
    } else {
      request.pendingToken = token.tokenId();
    }
  }

  private void finishWithRemainingText(RequestState request, FinishReason reason) {
    text(request, GeneratedText::finish)
        .ifPresent(
            rest ->
                finish(
                    request, rest.stopped() ? FinishReason.STOP : reason, rest.text(),
                    Optional.empty()));
  }

  /** Runs a text operation; if the tokenizer fails, the request ends with an error. */
  private Optional<Released> text(
      RequestState request, Function<GeneratedText, Released> operation) {
    try {
      return Optional.of(operation.apply(request.text));
    } catch (RuntimeException e) {
      finish(
          request, FinishReason.ERROR, "", Optional.of("detokenization failed: " + e.getMessage()));
      return Optional.empty();
    }
  }

  private void finish(
      RequestState request, FinishReason reason, String text, Optional<String> error) {
    long now = clock.getAsLong();
    admission.release(request);
    running.remove(request);
    request.phase = RequestState.Phase.FINISHED;
    RequestTimings timings = request.timings(now);
    if (reason == FinishReason.STOP || reason == FinishReason.LENGTH) {
      retryAfter.recordCompletion(timings.endToEnd());
    }
    PrefillMode mode = request.plan != null ? request.plan.mode() : request.request.prefill();
    request.handle.deliver(
        new GenerationEvent.Finished(reason, text, request.usage(), timings, mode, error));
  }
}
