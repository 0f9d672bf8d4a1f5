package io.lckv.server.api.dto;

import java.util.List;

/** Chat log-probabilities: one entry per generated token. {@code refusal} is always null. */
public record ChatLogprobs(List<Token> content, List<Token> refusal) {

  /**
   * @param bytes the UTF-8 bytes of {@code token}
   * @param topLogprobs the most likely alternatives, most likely first
   */
  public record Token(String token, double logprob, List<Integer> bytes, List<Top> topLogprobs) {}

  public record Top(String token, double logprob, List<Integer> bytes) {}
}
