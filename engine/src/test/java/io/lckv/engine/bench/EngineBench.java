package io.lckv.engine.bench;

import io.lckv.converter.golden.LogitDeviation;
import io.lckv.converter.graph.WeightFormat;
import io.lckv.engine.kv.CacheView;
import io.lckv.engine.kv.KvCache;
import io.lckv.engine.model.ExecutionDevice;
import io.lckv.engine.model.RunnerOptions;
import io.lckv.engine.model.OrtModel;
import io.lckv.engine.runner.ModelRunner;
import io.lckv.engine.runner.PrefillMode;
import io.lckv.engine.runner.RunnerException;
import io.lckv.engine.runner.SequenceLogits;
import io.lckv.engine.runner.SequenceStep;
import io.lckv.engine.runner.SequenceStep.LogitsRows;
import io.lckv.engine.runner.StepBatch;
import io.lckv.nativeops.PoolDtype;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Decode throughput of the ORT runner at several batch sizes, and how many requests the KV
 * budget admits, for each model folder given: {@code scripts/bench-engine} runs it on the
 * embedded LCKV model and its standard-Llama twin with the same budget.
 *
 * <p>Arguments: {@code --budget-mib N --threads N --prompt N --max-tokens N --steps N
 * --cache DIR MODEL...}.
 */
public final class EngineBench {

  private static final int[] BATCHES = {1, 8, 32};
  private static final int WARMUP_STEPS = 4;

  private record Settings(long budgetBytes, int threads, int prompt, int maxTokens, int steps,
      Path cache, List<Path> models) {}

  public static void main(String[] args) throws Exception {
    Settings s = parse(args);
    PrintStream out = System.out;
    out.printf("KV budget %d MiB (float16 cache, blocks of 16), fp16 weights, %s;"
            + " requests of %d prompt + %d generated tokens; %d timed decode steps%n",
        s.budgetBytes() >> 20,
        s.threads() == 0 ? "ONNX Runtime's default threads" : s.threads() + " intra-op thread(s)",
        s.prompt(), s.maxTokens(), s.steps());
    out.println("| model | KV bytes/token | requests admitted | decode tok/s B=1 | B=8 | B=32 |");
    out.println("|---|---|---|---|---|---|");
    for (Path model : s.models()) {
      var options = new OrtModel.Options(s.cache(), WeightFormat.FP16, new RunnerOptions(
          new ExecutionDevice.Cpu(s.threads()), s.budgetBytes(), 16, PoolDtype.F16));
      try (var served = OrtModel.open(model, options, System.err)) {
        var row = new StringBuilder();
        row.append("| ").append(model.getFileName()).append(" | ")
            .append(served.runner().spec().kvFootprint().bytesPerToken()).append(" | ")
            .append(admitted(served.runner(), s.prompt() + s.maxTokens() - 1)).append(" |");
        for (int batch : BATCHES) {
          row.append(String.format(" %.0f |", decodeTokensPerSecond(served.runner(), batch, s)));
        }
        out.println(row);
      }
    }
  }

  /** Requests the engine's admission would run at once: reservations until the pool is full. */
  private static int admitted(ModelRunner runner, long tokensPerRequest) {
    var cache = new KvCache(runner.spec().pool());
    int n = 0;
    while (cache.tryReserve(n, tokensPerRequest, Optional.empty())) {
      n++;
    }
    return n;
  }

  /** Prefills {@code batch} random prompts, then times decode steps of the whole batch. */
  private static double decodeTokensPerSecond(ModelRunner runner, int batch, Settings s)
      throws RunnerException {
    var cache = new KvCache(runner.spec().pool());
    var random = new SplittableRandom(batch);
    int vocab = runner.spec().vocabSize();
    List<int[]> next = new ArrayList<>();
    var prefill = new ArrayList<SequenceStep>();
    for (int id = 0; id < batch; id++) {
      if (!cache.tryReserve(id, s.prompt() + WARMUP_STEPS + s.steps(), Optional.empty())) {
        throw new IllegalStateException("the KV budget does not hold a batch of " + batch);
      }
      int[] prompt = random.ints(s.prompt(), 0, vocab).toArray();
      prefill.add(step(id, prompt, cache.prepare(id, prompt.length), s.prompt()));
    }
    next.add(argmaxes(runner.step(new StepBatch(prefill))));
    commitAll(cache, batch);
    long start = 0;
    for (int k = 0; k < WARMUP_STEPS + s.steps(); k++) {
      if (k == WARMUP_STEPS) {
        start = System.nanoTime();
      }
      int[] tokens = next.getLast();
      var decode = new ArrayList<SequenceStep>();
      for (int id = 0; id < batch; id++) {
        decode.add(step(id, new int[] {tokens[id]}, cache.prepare(id, 1), 1));
      }
      next.add(argmaxes(runner.step(new StepBatch(decode))));
      commitAll(cache, batch);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return (double) batch * s.steps() / seconds;
  }

  private static SequenceStep step(long id, int[] tokens, CacheView view, int passes) {
    int committed = view.committed().longest();
    return new SequenceStep(id, tokens,
        IntStream.range(committed, committed + tokens.length).toArray(), view,
        PrefillMode.EXACT, passes, LogitsRows.LAST);
  }

  private static void commitAll(KvCache cache, int batch) {
    for (int id = 0; id < batch; id++) {
      cache.commit(id);
    }
  }

  private static int[] argmaxes(List<SequenceLogits> logits) {
    return logits.stream().mapToInt(l -> LogitDeviation.argmax(l.last())).toArray();
  }

  private static Settings parse(String[] args) {
    long budget = 64L << 20;
    int threads = 0;
    int prompt = 32;
    int maxTokens = 224;
    int steps = 64;
    Path cache = Path.of("target/bench-models");
    var models = new ArrayList<Path>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--budget-mib" -> budget = Long.parseLong(args[++i]) << 20;
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--prompt" -> prompt = Integer.parseInt(args[++i]);
        case "--max-tokens" -> maxTokens = Integer.parseInt(args[++i]);
        case "--steps" -> steps = Integer.parseInt(args[++i]);
        case "--cache" -> cache = Path.of(args[++i]);
        default -> models.add(Path.of(args[i]));
      }
    }
    if (models.isEmpty()) {
      throw new IllegalArgumentException("name at least one model folder");
    }
    return new Settings(budget, threads, prompt, maxTokens, steps, cache, models);
  }
}
