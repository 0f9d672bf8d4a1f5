package io.lckv.server.api.dto;

import com.fasterxml.jackson.databind.JsonNode;
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
    JsonNode stop,
    Boolean logprobs,
    Integer topLogprobs,
    Boolean stream,
    StreamOptions streamOptions,
    Integer n,
    JsonNode logitBias,
    JsonNode tools,
    JsonNode responseFormat,
    String prefill,
    StreamingLlm streaming)
    implements SamplingFields {

  /** @param content a string, a list of content parts, or null */
  public record Message(String role, JsonNode content) {}
}
