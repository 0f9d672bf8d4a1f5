package io.lckv.server.api.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Optional;

/**
 * One {@code chat.completion.chunk} of a stream. See {@link Completion} for {@code usage} and
 * {@code prefill_mode}.
 */
public record ChatCompletionChunk(
    String id,
    String object,
    long created,
    String model,
    List<Choice> choices,
    @JsonInclude(JsonInclude.Include.NON_NULL) Optional<TokenUsage> usage,
    @JsonInclude(JsonInclude.Include.NON_NULL) String prefillMode) {

  public static final String OBJECT = "chat.completion.chunk";

  public record Choice(int index, Delta delta, ChatLogprobs logprobs, String finishReason) {}

  /** What the chunk adds: the role on the first chunk, then text; empty on the last. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Delta(String role, String content) {}
}
