package io.lckv.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lckv.engine.GenerationRequest;
import io.lckv.engine.kv.StreamingWindow;
import io.lckv.engine.sampling.SamplingParams;
import io.lckv.server.api.dto.ChatCompletion;
import io.lckv.server.api.dto.ChatCompletionRequest;
import io.lckv.server.chat.ChatMessage;
import io.lckv.server.model.Serving;
import io.smallrye.common.annotation.RunOnVirtualThread;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** OpenAI's chat completions: the conversation goes through the model's chat template. */
@Path("/v1/chat/completions")
public class ChatCompletionsResource {

  private static final Set<String> ROLES =
      Set.of("system", "developer", "user", "assistant", "tool");

  private final Generations generations;

  ChatCompletionsResource(Generations generations) {
    this.generations = generations;
  }

  @POST
  @RunOnVirtualThread
  @RequestBody(content = @Content(schema = @Schema(implementation = ChatCompletionRequest.class)))
  @APIResponse(
      responseCode = "200",
      description = "The answer; with stream: true, text/event-stream of chat.completion.chunk",
      content = @Content(schema = @Schema(implementation = ChatCompletion.class)))
  public Response create(InputStream body, @Context HttpServerResponse http)
      throws IOException, InterruptedException {
    var accepted = generations.accept(body, ChatCompletionRequest.class);
    ChatCompletionRequest request = accepted.request();
    Serving serving = accepted.serving();
    EngineRequests.refuseUnsupported("tools", request.tools());
    EngineRequests.refuseIf(
        request.responseFormat() != null
            && !request.responseFormat().isNull()
            && !request.responseFormat().path("type").asText().equals("text"),
        "response_format", "only {\"type\": \"text\"} is supported");
    boolean logprobs = Boolean.TRUE.equals(request.logprobs());
    EngineRequests.refuseIf(
        request.topLogprobs() != null && !logprobs, "top_logprobs",
        "needs logprobs set to true");

    String text = serving.chatTemplate().render(messages(request.messages()));
    int[] prompt = generations.checkLength(serving.tokenizer().encode(text, false), "messages");
    Optional<StreamingWindow> window = EngineRequests.window(request.streaming());
    var engineRequest =
        new GenerationRequest(
            prompt, sampling(request, logprobs, maxTokens(request, serving, prompt, window)),
            EngineRequests.prefill(request.prefill()), window);
    var header =
        AnswerHeader.start(
            "chatcmpl-", serving,
            logprobs ? Optional.of(new Logprobs(serving.tokenizer())) : Optional.empty(),
            accepted.includeUsage());
    return generations.generate(accepted, engineRequest, new ChatFormat(header), http::closed);
  }

  private static SamplingParams sampling(
      ChatCompletionRequest request, boolean logprobs, int maxTokens) {
    var sampling = EngineRequests.sampling(request).maxTokens(maxTokens);
    if (logprobs) {
      sampling.topLogprobs(request.topLogprobs() != null ? request.topLogprobs() : 0);
    }
    return sampling.build();
  }

  /**
   * What the client asked for; left open, as long as the model's context and the KV pool allow
   * (as OpenAI does), or without end under a StreamingLLM window, which lifts the context limit.
   */
  private static int maxTokens(
      ChatCompletionRequest request, Serving serving, int[] prompt,
      Optional<StreamingWindow> window) {
    if (request.maxCompletionTokens() != null) {
      return request.maxCompletionTokens();
    }
    if (request.maxTokens() != null) {
      return request.maxTokens();
    }
    if (window.isPresent()) {
      return Integer.MAX_VALUE;
    }
    int most = serving.engine().maxTokensFor(prompt.length);
    EngineRequests.refuseIf(
        most == 0, "messages",
        "the conversation's " + prompt.length + " tokens leave no room for an answer");
    return most;
  }

  /** Roles as OpenAI defines them; content a string or a list of text parts. */
  private static List<ChatMessage> messages(List<ChatCompletionRequest.Message> messages) {
    EngineRequests.refuseIf(
        messages == null || messages.isEmpty(), "messages", "must hold at least one message");
    List<ChatMessage> out = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      var message = messages.get(i);
      String at = "messages[" + i + "]";
      EngineRequests.refuseIf(message == null, at, "must be an object");
      EngineRequests.refuseIf(
          message.role() == null || !ROLES.contains(message.role()), at + ".role",
          "must be one of " + ROLES);
      out.add(new ChatMessage(message.role(), content(message.content(), at + ".content")));
    }
    return out;
  }

  /** Text parts are joined by newlines; other parts (images, audio) cannot be served. */
  private static String content(JsonNode content, String at) {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    EngineRequests.refuseIf(!content.isArray(), at, "must be a string or a list of content parts");
    List<String> parts = new ArrayList<>();
    for (JsonNode part : content) {
      EngineRequests.refuseIf(
          !part.path("type").asText().equals("text") || !part.path("text").isTextual(), at,
          "only text parts ({\"type\": \"text\", \"text\": ...}) are supported");
      parts.add(part.path("text").asText());
    }
    return String.join("\n", parts);
  }
}
