package io.lckv.server.api;

import io.lckv.engine.GenerationEvent;
import io.lckv.server.api.dto.Completion;
import io.lckv.server.api.dto.TokenUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** One completion request's answer, whole or as stream chunks. */
final class CompletionFormat implements AnswerFormat {

  private final AnswerHeader header;
  /** Characters streamed so far: where the next token's text starts. */
  private int streamed;

  CompletionFormat(AnswerHeader header) {
    this.header = header;
  }

  @Override
  public Completion whole(Generation.Output output) {
    GenerationEvent.Finished end = output.end();
    var choice =
        new Completion.Choice(
            0, output.text(),
            header.logprobs().map(l -> l.completion(output.tokens(), 0)).orElse(null),
            AnswerHeader.finishReason(end));
    return chunk(
        List.of(choice), Optional.of(TokenUsage.of(end.usage())), AnswerHeader.prefillMode(end));
  }

  @Override
  public List<Object> opening() {
    return List.of();
  }

  @Override
  public Optional<Object> token(GenerationEvent.Token token) {
    if (token.text().isEmpty() && header.logprobs().isEmpty()) {
      return Optional.empty();
    }
    var choice =
        new Completion.Choice(
            0, token.text(),
            header.logprobs().map(l -> l.completion(List.of(token), streamed)).orElse(null),
            null);
    streamed += token.text().length();
    return Optional.of(chunk(List.of(choice), header.usageField(), null));
  }

  @Override
  public List<Object> closing(GenerationEvent.Finished end) {
    List<Object> chunks = new ArrayList<>();
    var finish = new Completion.Choice(0, end.text(), null, AnswerHeader.finishReason(end));
    chunks.add(chunk(List.of(finish), header.usageField(), AnswerHeader.prefillMode(end)));
    if (header.includeUsage()) {
      chunks.add(chunk(List.of(), Optional.of(TokenUsage.of(end.usage())), null));
    }
    return chunks;
  }

  private Completion chunk(
      List<Completion.Choice> choices, Optional<TokenUsage> usage, String prefillMode) {
    return new Completion(
        header.id(), Completion.OBJECT, header.created(), header.model(), choices, usage,
        prefillMode);
  }
}
