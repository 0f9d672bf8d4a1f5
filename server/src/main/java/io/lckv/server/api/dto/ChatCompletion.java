package io.lckv.server.api.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** A {@code chat.completion}: the whole answer. See {@link Completion} for {@code prefill_mode}. */
public record ChatCompletion(
    String id,
    String object,
    long created,
    String model,
    List<Choice> choices,
    TokenUsage usage,
    @JsonInclude(JsonInclude.Include.NON_NULL) String prefillMode) {

  public static final String OBJECT = "chat.completion";

  public record Choice(int index, Message message, ChatLogprobs logprobs, String finishReason) {}

  /** The assistant's turn; {@code refusal} is always null and there so that clients find it. */
  public record Message(String role, String content, String refusal) {}
}
