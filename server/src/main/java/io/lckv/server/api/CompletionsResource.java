package io.lckv.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lckv.engine.GenerationRequest;
import io.lckv.engine.InvalidParameterException;
import io.lckv.engine.sampling.SamplingParams;
import io.lckv.engine.text.Tokenizer;
import io.lckv.server.api.dto.Completion;
import io.lckv.server.api.dto.CompletionRequest;
import io.lckv.server.model.Serving;
import io.smallrye.common.annotation.RunOnVirtualThread;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** OpenAI's legacy completions: continue a prompt. */
@Path("/v1/completions")
public class CompletionsResource {

  /** OpenAI's default when max_tokens is left out. */
  private static final int DEFAULT_MAX_TOKENS = 16;

  private final Generations generations;

  CompletionsResource(Generations generations) {
    this.generations = generations;
  }

  @POST
  @RunOnVirtualThread
  @RequestBody(content = @Content(schema = @Schema(implementation = CompletionRequest.class)))
  @APIResponse(
      responseCode = "200",
      description = "The completion; with stream: true, text/event-stream chunks of this shape",
      content = @Content(schema = @Schema(implementation = Completion.class)))
  public Response create(InputStream body, @Context HttpServerResponse http)
      throws IOException, InterruptedException {
    var accepted = generations.accept(body, CompletionRequest.class);
    CompletionRequest request = accepted.request();
    Serving serving = accepted.serving();
    EngineRequests.requireSingle("best_of", request.bestOf());
    EngineRequests.refuseIf(Boolean.TRUE.equals(request.echo()), "echo", "is not supported");
    EngineRequests.refuseIf(
        request.suffix() != null && !request.suffix().isEmpty(), "suffix", "is not supported");

    int[] prompt = generations.checkLength(prompt(request.prompt(), serving.tokenizer()), "prompt");
    var engineRequest =
        new GenerationRequest(
            prompt, sampling(request), EngineRequests.prefill(request.prefill()),
            EngineRequests.window(request.streaming()));
    var header =
        AnswerHeader.start(
            "cmpl-", serving,
            Optional.ofNullable(request.logprobs()).map(n -> new Logprobs(serving.tokenizer())),
            accepted.includeUsage());
    return generations.generate(accepted, engineRequest, new CompletionFormat(header), http::closed);
  }

  private static SamplingParams sampling(CompletionRequest request) {
    var sampling = EngineRequests.sampling(request);
    sampling.maxTokens(request.maxTokens() != null ? request.maxTokens() : DEFAULT_MAX_TOKENS);
    if (request.logprobs() != null) {
      sampling.topLogprobs(request.logprobs());
    }
    try {
      return sampling.build();
    } catch (InvalidParameterException e) {
      // The engine knows the count of alternatives by its chat name; completions call it logprobs.
      if (e.parameter().equals("top_logprobs")) {
        throw new InvalidParameterException(
            "logprobs", e.getMessage().substring("top_logprobs: ".length()));
      }
      throw e;
    }
  }

  /** A string, a list of token ids, or a list holding one of those (a batch of one). */
  private static int[] prompt(JsonNode prompt, Tokenizer tokenizer) {
    EngineRequests.refuseIf(prompt == null || prompt.isNull(), "prompt", "is required");
    if (prompt.isTextual()) {
      return tokenizer.encode(prompt.asText(), true);
    }
    if (prompt.isArray()
        && prompt.size() == 1
        && (prompt.get(0).isArray() || prompt.get(0).isTextual())) {
      return prompt(prompt.get(0), tokenizer);
    }
    String shape =
        "must be a string, a list of token ids, or a list holding one of those;"
            + " several prompts need several requests";
    EngineRequests.refuseIf(!prompt.isArray(), "prompt", shape);
    int[] ids = new int[prompt.size()];
    for (int i = 0; i < ids.length; i++) {
      JsonNode id = prompt.get(i);
      EngineRequests.refuseIf(!id.isIntegralNumber() || !id.canConvertToInt(), "prompt", shape);
      ids[i] = id.asInt();
    }
    return ids;
  }
}
