package io.lckv.server.api;

import io.lckv.engine.GenerationEvent;
import io.lckv.server.api.dto.TokenUsage;
import io.lckv.server.model.Serving;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * What every chunk of one answer repeats (id, creation time, model), and the two choices the
 * client made about the answer's shape, whichever endpoint writes it.
 *
 * @param logprobs present when the client asked for log-probabilities
 * @param includeUsage whether a stream ends with a usage chunk
 */
record AnswerHeader(
    String id, long created, String model, Optional<Logprobs> logprobs, boolean includeUsage) {

  /** A new answer's header, its id OpenAI's prefix for the endpoint and a random UUID. */
  static AnswerHeader start(
      String idPrefix, Serving serving, Optional<Logprobs> logprobs, boolean includeUsage) {
    return new AnswerHeader(
        idPrefix + UUID.randomUUID(), Instant.now().getEpochSecond(), serving.name(), logprobs,
        includeUsage);
  }

  /** With include_usage every chunk but the last says {@code "usage": null}; else none has it. */
  @SuppressWarnings("OptionalAssignedToNull")
  Optional<TokenUsage> usageField() {
    return includeUsage ? Optional.empty() : null;
  }

  /**
   * OpenAI's {@code stop} and {@code length}, and {@code cancelled} for a request the shutdown
   * drain cut short (a failed request is answered with an error instead).
   */
  static String finishReason(GenerationEvent.Finished end) {
    return end.reason().name().toLowerCase(Locale.ROOT);
  }

  /** LCKV extension: how the prompt was prefilled. */
  static String prefillMode(GenerationEvent.Finished end) {
    return end.prefillMode().name().toLowerCase(Locale.ROOT);
  }
}
