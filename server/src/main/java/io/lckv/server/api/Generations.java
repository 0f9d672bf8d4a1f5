package io.lckv.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lckv.engine.GenerationRequest;
import io.lckv.server.ServerConfig;
import io.lckv.server.api.dto.GenerationFields;
import io.lckv.server.metrics.EngineMetrics;
import io.lckv.server.model.ServedModel;
import io.lckv.server.model.Serving;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;

/** What both generation endpoints do before and around the engine. */
@ApplicationScoped
class Generations {

  /**
   * A request read and checked in what both endpoints share, against the model being served.
   *
   * @param includeUsage whether a stream ends with a usage chunk
   */
  record Accepted<T extends GenerationFields>(Serving serving, T request, boolean includeUsage) {}

  private final ServedModel model;
  private final EngineMetrics metrics;
  private final JsonBodies bodies;
  private final ObjectMapper json;
  private final OptionalInt maxPromptTokens;

  Generations(
      ServedModel model, EngineMetrics metrics, JsonBodies bodies, ObjectMapper json,
      ServerConfig config) {
    this.model = model;
    this.metrics = metrics;
    this.bodies = bodies;
    this.json = json;
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
   * Reads a generation request and checks what both endpoints check: the model is ready and the
   * one named, {@code n} is 1, no {@code logit_bias}, {@code stream_options} only on a stream.
   *
   * @throws ApiException 503 while not serving, 413/400 for the body, 404 for another model
   */
  <T extends GenerationFields> Accepted<T> accept(InputStream body, Class<T> type)
      throws IOException {
    Serving serving = serving();
    T request = bodies.read(body, type);
    EngineRequests.refuseIf(
        request.model() == null || request.model().isBlank(), "model",
        "you must provide a model parameter");
    if (!serving.name().equals(request.model())) {
      throw ApiException.unknownModel(request.model());
    }
    EngineRequests.requireSingle("n", request.n());
    EngineRequests.refuseUnsupported("logit_bias", request.logitBias());
    return new Accepted<>(
        serving, request, EngineRequests.includeUsage(request.stream(), request.streamOptions()));
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

  /**
   * Runs the request in the engine and answers: with {@code stream: true} as server-sent events,
   * else as one JSON body once it has finished.
   *
   * @param clientGone whether the client has closed the connection, which cancels the request
   */
  Response generate(
      Accepted<?> accepted, GenerationRequest request, AnswerFormat format,
      BooleanSupplier clientGone)
      throws InterruptedException {
    Generation generation =
        Generation.submit(accepted.serving().engine(), request, metrics, clientGone);
    if (Boolean.TRUE.equals(accepted.request().stream())) {
      return EventStream.response(generation, format, json);
    }
    return generation
        .collect()
        .map(output -> Response.ok(format.whole(output), MediaType.APPLICATION_JSON_TYPE).build())
        // The client has gone: nobody reads this.
        .orElseGet(() -> Response.noContent().build());
  }
}
