package io.lckv.server.api;

import io.lckv.engine.GenerationEvent;
import io.lckv.engine.sampling.TokenLogprobs;
import io.lckv.engine.sampling.TopLogprob;
import io.lckv.engine.text.Tokenizer;
import io.lckv.server.api.dto.ChatLogprobs;
import io.lckv.server.api.dto.Completion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the engine's log-probabilities in the two OpenAI formats. A token's string is its own
 * decoded text, so a token holding part of a UTF-8 character shows U+FFFD. A token the model
 * ruled out has probability 0; JSON has no -Infinity, so it is written as {@value #FLOOR}, as
 * vLLM does.
 */
final class Logprobs {

  static final double FLOOR = -9999.0;

  private final Tokenizer tokenizer;

  Logprobs(Tokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /**
   * The legacy completions format.
   *
   * @param textOffset where the first token's text starts in the completion
   */
  Completion.Logprobs completion(List<GenerationEvent.Token> tokens, int textOffset) {
    List<String> strings = new ArrayList<>();
    List<Double> logprobs = new ArrayList<>();
    List<Map<String, Double>> tops = new ArrayList<>();
    List<Integer> offsets = new ArrayList<>();
    int offset = textOffset;
    for (GenerationEvent.Token token : tokens) {
      TokenLogprobs lp = token.logprobs().orElseThrow();
      String text = text(token.tokenId());
      strings.add(text);
      logprobs.add(finite(lp.logprob()));
      // Most likely first; OpenAI's map also holds the chosen token.
      Map<String, Double> top = new LinkedHashMap<>();
      for (TopLogprob alternative : lp.top()) {
        top.putIfAbsent(text(alternative.tokenId()), finite(alternative.logprob()));
      }
      top.putIfAbsent(text, finite(lp.logprob()));
      tops.add(top);
      offsets.add(offset);
      offset += token.text().length();
    }
    return new Completion.Logprobs(strings, logprobs, tops, offsets);
  }

  /** The chat format. */
  ChatLogprobs chat(List<GenerationEvent.Token> tokens) {
    List<ChatLogprobs.Token> content = new ArrayList<>();
    for (GenerationEvent.Token token : tokens) {
      TokenLogprobs lp = token.logprobs().orElseThrow();
      String text = text(token.tokenId());
      List<ChatLogprobs.Top> top = new ArrayList<>();
      for (TopLogprob alternative : lp.top()) {
        String alternativeText = text(alternative.tokenId());
        top.add(
            new ChatLogprobs.Top(
                alternativeText, finite(alternative.logprob()), bytes(alternativeText)));
      }
      content.add(new ChatLogprobs.Token(text, finite(lp.logprob()), bytes(text), top));
    }
    return new ChatLogprobs(content, null);
  }

  private String text(int tokenId) {
    return tokenizer.decode(new int[] {tokenId});
  }

  private static double finite(double logprob) {
    return Math.max(logprob, FLOOR);
  }

  private static List<Integer> bytes(String text) {
    List<Integer> bytes = new ArrayList<>();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      bytes.add(b & 0xFF);
    }
    return bytes;
  }
}
