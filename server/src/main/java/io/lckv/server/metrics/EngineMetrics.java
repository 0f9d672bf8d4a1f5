package io.lckv.server.metrics;

import io.lckv.engine.EngineStats;
import io.lckv.engine.FinishReason;
import io.lckv.engine.GenerationEvent;
import io.lckv.engine.RequestTimings;
import io.lckv.server.ServerConfig;
import io.lckv.server.model.ServedModel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.DoubleStream;

/**
 * The serving metrics on {@code /q/metrics}, named and meant like vLLM's {@code vllm:*} ones so
 * dashboards carry over: {@code lckv_num_requests_running}, {@code lckv_num_requests_waiting},
 * {@code lckv_kv_cache_usage_perc} (1 = full), latency histograms {@code
 * lckv_time_to_first_token_seconds}, {@code lckv_inter_token_latency_seconds} and {@code
 * lckv_e2e_request_latency_seconds}, counters {@code lckv_prompt_tokens_total}, {@code
 * lckv_generation_tokens_total} and {@code lckv_request_success_total{finished_reason}}. Every
 * series carries {@code model_name}. Latencies are the engine's own, from submission. Created at
 * startup so that the gauges are scraped before the first request.
 */
@Startup
@ApplicationScoped
public class EngineMetrics {

  private final Timer timeToFirstToken;
  private final Timer interTokenLatency;
  private final Timer endToEnd;
  private final Counter promptTokens;
  private final Counter generationTokens;
  private final Map<FinishReason, Counter> finished = new EnumMap<>(FinishReason.class);

  EngineMetrics(MeterRegistry registry, ServerConfig config, ServedModel model) {
    Tags tags = Tags.of("model_name", config.modelName());
    gauge(registry, "lckv.num.requests.running", "Requests generating (holding KV blocks)",
        tags, model, EngineStats::running);
    gauge(registry, "lckv.num.requests.waiting", "Requests queued for admission",
        tags, model, EngineStats::waiting);
    gauge(registry, "lckv.kv.cache.usage.perc", "Fraction of KV pool blocks in use, 1 = full",
        tags, model, EngineStats::kvUsage);
    timeToFirstToken =
        histogram(registry, "lckv.time.to.first.token", "From arrival to the first token", tags,
            0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120);
    interTokenLatency =
        histogram(registry, "lckv.inter.token.latency", "Between consecutive tokens", tags,
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10);
    endToEnd =
        histogram(registry, "lckv.e2e.request.latency", "From arrival to the end", tags,
            0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800);
    promptTokens =
        Counter.builder("lckv.prompt.tokens").description("Prompt tokens of ended requests")
            .tags(tags).register(registry);
    generationTokens =
        Counter.builder("lckv.generation.tokens").description("Tokens generated")
            .tags(tags).register(registry);
    for (FinishReason reason : FinishReason.values()) {
      finished.put(
          reason,
          Counter.builder("lckv.request.success")
              .description("Requests ended, by finish reason")
              .tags(tags.and("finished_reason", label(reason)))
              .register(registry));
    }
  }

  /**
   * vLLM's names for why a request ended: {@code abort} for a cancelled one, whether its client
   * went away or the shutdown drain cut it short.
   */
  private static String label(FinishReason reason) {
    return switch (reason) {
      case STOP -> "stop";
      case LENGTH -> "length";
      case CANCELLED -> "abort";
      case ERROR -> "error";
    };
  }

  /** Records an ended request: its latencies, its tokens and why it ended. */
  public void record(GenerationEvent.Finished request) {
    RequestTimings timings = request.timings();
    timings.timeToFirstToken().ifPresent(timeToFirstToken::record);
    timings.interTokenLatencies().forEach(interTokenLatency::record);
    endToEnd.record(timings.endToEnd());
    promptTokens.increment(request.usage().promptTokens());
    generationTokens.increment(request.usage().completionTokens());
    finished.get(request.reason()).increment();
  }

  /** Reads the engine's stats on scrape; 0 while no engine runs. */
  private static void gauge(
      MeterRegistry registry, String name, String description, Tags tags, ServedModel model,
      ToDoubleFunction<EngineStats> value) {
    Gauge.builder(name, model, m -> m.stats().map(value::applyAsDouble).orElse(0.0))
        .description(description)
        .tags(tags)
        .strongReference(true)
        .register(registry);
  }

  /** A Prometheus histogram in seconds with these bucket bounds. */
  private static Timer histogram(
      MeterRegistry registry, String name, String description, Tags tags, double... seconds) {
    return Timer.builder(name)
        .description(description)
        .tags(tags)
        .serviceLevelObjectives(
            DoubleStream.of(seconds)
                .mapToObj(s -> Duration.ofNanos(Math.round(s * 1e9)))
                .toArray(Duration[]::new))
        .register(registry);
  }
}
