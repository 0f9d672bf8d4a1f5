package io.lckv.server.api.dto;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import java.util.List;

/**
 * {@code POST /v1/chat/completions}. As with completions, features this server lacks ({@code n}
 * above 1, {@code logit_bias}, tools, a structured {@code response_format}) are read in order to
 * refuse them.
 *
 * @param maxCompletionTokens OpenAI's current name for {@code max_tokens}; it wins when both are
 *     given
 * @param logprobs whether to report the chosen tokens' log-probabilities
 * @param topLogprobs how many alternatives to report per token; needs {@code logprobs}
 */
public record ChatCompletionRequest(
    String model,
    List<Message> messages,
    Integer maxTokens,
    Integer maxCompletionTokens,
    Double temperature,
    Double topP,
    Integer topK,
    Double minP,
    Double presencePenalty,
    Double frequencyPenalty,
    Double repetitionPenalty,
    Long seed,
    @Schema(description = "a string or a list of strings", oneOf = {String.class, String[].class})
        JsonNode stop,
    Boolean logprobs,
    Integer topLogprobs,
    Boolean stream,
    StreamOptions streamOptions,
    Integer n,
    @Schema(type = SchemaType.OBJECT, description = "refused unless empty") JsonNode logitBias,
    @Schema(type = SchemaType.ARRAY, description = "refused unless empty") JsonNode tools,
    @Schema(type = SchemaType.OBJECT, description = "only {\"type\": \"text\"}")
        JsonNode responseFormat,
    String prefill,
    StreamingLlm streaming)
    implements GenerationFields {

  /** @param content a string, a list of content parts, or null */
  public record Message(
      String role,
      @Schema(
              description = "a string, a list of text parts, or null",
              oneOf = {String.class, Object[].class})
          JsonNode content) {}
}
