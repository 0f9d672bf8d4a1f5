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
final class ChatFormat implements AnswerFormat {

  private static final String ASSISTANT = "assistant";

  private final AnswerHeader header;

  ChatFormat(AnswerHeader header) {
    this.header = header;
  }

  @Override
  public ChatCompletion whole(Generation.Output output) {
    GenerationEvent.Finished end = output.end();
    var choice =
        new ChatCompletion.Choice(
            0, new ChatCompletion.Message(ASSISTANT, output.text(), null),
            header.logprobs().map(l -> l.chat(output.tokens())).orElse(null),
            AnswerHeader.finishReason(end));
    return new ChatCompletion(
        header.id(), ChatCompletion.OBJECT, header.created(), header.model(), List.of(choice),
        TokenUsage.of(end.usage()), AnswerHeader.prefillMode(end));
  }

  /** OpenAI's first chunk names the role, with empty content. */
  @Override
  public List<Object> opening() {
    return List.of(delta(new ChatCompletionChunk.Delta(ASSISTANT, ""), Optional.empty()));
  }

  @Override
  public Optional<Object> token(GenerationEvent.Token token) {
    if (token.text().isEmpty() && header.logprobs().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        delta(
            new ChatCompletionChunk.Delta(null, token.text()),
            header.logprobs().map(l -> l.chat(List.of(token)))));
  }

  @Override
  public List<Object> closing(GenerationEvent.Finished end) {
    List<Object> chunks = new ArrayList<>();
    if (!end.text().isEmpty()) {
      chunks.add(delta(new ChatCompletionChunk.Delta(null, end.text()), Optional.empty()));
    }
    var finish =
        new ChatCompletionChunk.Choice(
            0, new ChatCompletionChunk.Delta(null, null), null, AnswerHeader.finishReason(end));
    chunks.add(chunk(List.of(finish), header.usageField(), AnswerHeader.prefillMode(end)));
    if (header.includeUsage()) {
      chunks.add(chunk(List.of(), Optional.of(TokenUsage.of(end.usage())), null));
    }
    return chunks;
  }

  private ChatCompletionChunk delta(
      ChatCompletionChunk.Delta delta, Optional<ChatLogprobs> tokenLogprobs) {
    var choice = new ChatCompletionChunk.Choice(0, delta, tokenLogprobs.orElse(null), null);
    return chunk(List.of(choice), header.usageField(), null);
  }

  private ChatCompletionChunk chunk(
      List<ChatCompletionChunk.Choice> choices, Optional<TokenUsage> usage, String prefillMode) {
    return new ChatCompletionChunk(
        header.id(), ChatCompletionChunk.OBJECT, header.created(), header.model(), choices, usage,
        prefillMode);
  }
}
