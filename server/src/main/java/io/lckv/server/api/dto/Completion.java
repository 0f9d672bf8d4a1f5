package io.lckv.server.api.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code text_completion}: the whole answer, or one chunk of a stream (same shape).
 *
 * @param usage absent from chunks unless the client asked for usage; then null on every chunk
 *     but the last ({@code Optional.empty()} writes null, a null field is left out)
 * @param prefillMode LCKV extension, on the answer and the last chunk: {@code reference}, or
 *     {@code exact} when a reference-mode prompt was too long for one span
 */
public record Completion(
    String id,
    String object,
    long created,
    String model,
    List<Choice> choices,
    @JsonInclude(JsonInclude.Include.NON_NULL) Optional<TokenUsage> usage,
    @JsonInclude(JsonInclude.Include.NON_NULL) String prefillMode) {

  public static final String OBJECT = "text_completion";

  /**
   * @param finishReason {@code stop}, {@code length}, or {@code cancelled} when the shutdown
   *     drain cut the request short; null on chunks before the last
   */
  public record Choice(int index, String text, Logprobs logprobs, String finishReason) {}

  /**
   * The legacy completions log-probabilities, one entry per token.
   *
   * @param topLogprobs per token, the most likely alternatives and the chosen token
   * @param textOffset where each token's text starts in the completion
   */
  public record Logprobs(
      List<String> tokens,
      List<Double> tokenLogprobs,
      List<Map<String, Double>> topLogprobs,
      List<Integer> textOffset) {}
}
