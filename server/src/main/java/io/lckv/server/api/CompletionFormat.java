package io.lckv.server.api;

import io.lckv.engine.GenerationEvent;
import io.lckv.server.api.dto.Completion;
import io.lckv.server.api.dto.TokenUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** One completion request's answer, whole or as stream chunks. */
final class CompletionFormat implements EventStream.Format {

  private final String id;
  private final long created;
  private final String model;
  private final Optional<Logprobs> logprobs;
  private final boolean includeUsage;
  /** Characters streamed so far: where the next token's text starts. */
  private int streamed;

  /**
   * @param logprobs present when the client asked for log-probabilities
   * @param includeUsage whether a stream ends with a usage chunk
   */
  CompletionFormat(
      String id, long created, String model, Optional<Logprobs> logprobs, boolean includeUsage) {
    this.id = id;
    this.created = created;
    this.model = model;
    this.logprobs = logprobs;
    this.includeUsage = includeUsage;
  }

  Completion whole(Generation.Output output) {
    GenerationEvent.Finished end = output.end();
    var choice =
        new Completion.Choice(
            0, output.text(), logprobs.map(l -> l.completion(output.tokens(), 0)).orElse(null),
            finishReason(end));
    return new Completion(
        id, Completion.OBJECT, created, model, List.of(choice),
        Optional.of(TokenUsage.of(end.usage())), prefillMode(end));
  }

  @Override
  public List<Object> opening() {
    return List.of();
  }

  @Override
  public Optional<Object> token(GenerationEvent.Token token) {
    if (token.text().isEmpty() && logprobs.isEmpty()) {
      return Optional.empty();
    }
    var choice =
        new Completion.Choice(
            0, token.text(),
            logprobs.map(l -> l.completion(List.of(token), streamed)).orElse(null), null);
    streamed += token.text().length();
    return Optional.of(chunk(List.of(choice), usageField(), null));
  }

  @Override
  public List<Object> closing(GenerationEvent.Finished end) {
    List<Object> chunks = new ArrayList<>();
    var finish = new Completion.Choice(0, end.text(), null, finishReason(end));
    chunks.add(chunk(List.of(finish), usageField(), prefillMode(end)));
    if (includeUsage) {
      chunks.add(chunk(List.of(), Optional.of(TokenUsage.of(end.usage())), null));
    }
    return chunks;
  }

  private Completion chunk(
      List<Completion.Choice> choices, Optional<TokenUsage> usage, String prefillMode) {
    return new Completion(id, Completion.OBJECT, created, model, choices, usage, prefillMode);
  }

  /** With include_usage every chunk but the last says {@code "usage": null}; else none has it. */
  @SuppressWarnings("OptionalAssignedToNull")
  private Optional<TokenUsage> usageField() {
    return includeUsage ? Optional.empty() : null;
  }

  /**
   * OpenAI's {@code stop} and {@code length}, and {@code cancelled} for a request the shutdown
   * drain cut short (a failed request is answered with an error instead).
   */
  static String finishReason(GenerationEvent.Finished end) {
    return end.reason().name().toLowerCase(Locale.ROOT);
  }

  static String prefillMode(GenerationEvent.Finished end) {
    return end.prefillMode().name().toLowerCase(Locale.ROOT);
  }
}
