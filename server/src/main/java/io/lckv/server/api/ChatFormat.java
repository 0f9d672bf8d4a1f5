package io.lckv.server.api;

import io.lckv.engine.GenerationEvent;
import io.lckv.server.api.dto.ChatCompletion;
import io.lckv.server.api.dto.ChatCompletionChunk;
import io.lckv.server.api.dto.ChatLogprobs;
import io.lckv.server.api.dto.TokenUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** One chat request's answer, whole or as stream chunks. */
final class ChatFormat implements EventStream.Format {

  private static final String ASSISTANT = "assistant";

  private final String id;
  private final long created;
  private final String model;
  private final Optional<Logprobs> logprobs;
  private final boolean includeUsage;

  /**
   * @param logprobs present when the client asked for log-probabilities
   * @param includeUsage whether a stream ends with a usage chunk
   */
  ChatFormat(
      String id, long created, String model, Optional<Logprobs> logprobs, boolean includeUsage) {
    this.id = id;
    this.created = created;
    this.model = model;
    this.logprobs = logprobs;
    this.includeUsage = includeUsage;
  }

  ChatCompletion whole(Generation.Output output) {
    GenerationEvent.Finished end = output.end();
    var choice =
        new ChatCompletion.Choice(
            0, new ChatCompletion.Message(ASSISTANT, output.text(), null),
            logprobs.map(l -> l.chat(output.tokens())).orElse(null),
            CompletionFormat.finishReason(end));
    return new ChatCompletion(
        id, ChatCompletion.OBJECT, created, model, List.of(choice), TokenUsage.of(end.usage()),
        CompletionFormat.prefillMode(end));
  }

  /** OpenAI's first chunk names the role, with empty content. */
  @Override
  public List<Object> opening() {
    return List.of(delta(new ChatCompletionChunk.Delta(ASSISTANT, ""), Optional.empty()));
  }

  @Override
  public Optional<Object> token(GenerationEvent.Token token) {
    if (token.text().isEmpty() && logprobs.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        delta(
            new ChatCompletionChunk.Delta(null, token.text()),
            logprobs.map(l -> l.chat(List.of(token)))));
  }

  @Override
  public List<Object> closing(GenerationEvent.Finished end) {
    List<Object> chunks = new ArrayList<>();
    if (!end.text().isEmpty()) {
      chunks.add(delta(new ChatCompletionChunk.Delta(null, end.text()), Optional.empty()));
    }
    var finish =
        new ChatCompletionChunk.Choice(
            0, new ChatCompletionChunk.Delta(null, null), null, CompletionFormat.finishReason(end));
    chunks.add(chunk(List.of(finish), usageField(), CompletionFormat.prefillMode(end)));
    if (includeUsage) {
      chunks.add(chunk(List.of(), Optional.of(TokenUsage.of(end.usage())), null));
    }
    return chunks;
  }

  private ChatCompletionChunk delta(
      ChatCompletionChunk.Delta delta, Optional<ChatLogprobs> tokenLogprobs) {
    var choice = new ChatCompletionChunk.Choice(0, delta, tokenLogprobs.orElse(null), null);
    return chunk(List.of(choice), usageField(), null);
  }

  private ChatCompletionChunk chunk(
      List<ChatCompletionChunk.Choice> choices, Optional<TokenUsage> usage, String prefillMode) {
    return new ChatCompletionChunk(
        id, ChatCompletionChunk.OBJECT, created, model, choices, usage, prefillMode);
  }

  /** See {@link CompletionFormat}: null leaves the field out, empty writes null. */
  @SuppressWarnings("OptionalAssignedToNull")
  private Optional<TokenUsage> usageField() {
    return includeUsage ? Optional.empty() : null;
  }
}
