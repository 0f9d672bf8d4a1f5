package io.lckv.server.api;

import io.lckv.engine.GenerationRequest;
import io.lckv.server.ServerConfig;
import io.lckv.server.metrics.EngineMetrics;
import io.lckv.server.model.ServedModel;
import io.lckv.server.model.Serving;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;

/** What both generation endpoints do before and around the engine. */
@ApplicationScoped
class Generations {

  private final ServedModel model;
  private final EngineMetrics metrics;
  private final OptionalInt maxPromptTokens;

  Generations(ServedModel model, EngineMetrics metrics, ServerConfig config) {
    this.model = model;
    this.metrics = metrics;
    this.maxPromptTokens = config.maxPromptTokens();
  }

  /**
   * The model being served.
   *
   * @throws ApiException 503 until it is ready, and once the shutdown drain has begun
   */
  Serving serving() {
    if (model.draining()) {
      throw ApiException.shuttingDown();
    }
    return switch (model.status()) {
      case ServedModel.Status.Ready(Serving serving) -> serving;
      case ServedModel.Status.Loading loading -> throw ApiException.notReady("still loading");
      case ServedModel.Status.Failed(String reason) -> throw ApiException.notReady(reason);
    };
  }

  /**
   * The model being served, which the request must name.
   *
   * @throws ApiException 400 without a model, 404 for another one
   */
  static Serving named(Serving serving, String requested) {
    EngineRequests.refuseIf(
        requested == null || requested.isBlank(), "model", "you must provide a model parameter");
    if (!serving.name().equals(requested)) {
      throw ApiException.unknownModel(requested);
    }
    return serving;
  }

  /**
   * Applies {@code lckv.max-prompt-tokens}.
   *
   * @param param where the prompt came from: {@code prompt} or {@code messages}
   */
  int[] checkLength(int[] prompt, String param) {
    if (maxPromptTokens.isPresent() && prompt.length > maxPromptTokens.getAsInt()) {
      throw ApiException.invalid(
          param,
          "the prompt has " + prompt.length + " tokens; this server accepts at most "
              + maxPromptTokens.getAsInt());
    }
    return prompt;
  }

  Generation submit(Serving serving, GenerationRequest request, BooleanSupplier clientGone) {
    return Generation.submit(serving.engine(), request, metrics, clientGone);
  }
}
