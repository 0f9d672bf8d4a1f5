package io.lckv.engine.sampling;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The tokens a request has seen, as the penalties need them: which ids occurred anywhere (prompt
 * or output, for the Hugging Face repetition penalty) and how often each was generated (for the
 * OpenAI presence and frequency penalties).
 */
final class TokenHistory {

  private final BitSet seen = new BitSet();
  private final Map<Integer, Integer> generated = new HashMap<>();

  TokenHistory(int[] prompt) {
    for (int token : prompt) {
      seen.set(token);
    }
  }

  void addGenerated(int token) {
    seen.set(token);
    generated.merge(token, 1, Integer::sum);
  }

  BitSet seen() {
    return seen;
  }

  Map<Integer, Integer> generatedCounts() {
    return generated;
  }
}
