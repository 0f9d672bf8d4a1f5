package io.lckv.converter.reference;

/**
 * One sequence: its committed KV cache and the calls that extend it. Not thread-safe; each call
 * parallelises its own work.
 */
public final class ReferenceSession {

  private final ReferenceModel model;
  private final KvCache cache;

  ReferenceSession(ReferenceModel model, KvCache cache) {
    this.model = model;
    this.cache = cache;
  }

  /**
   * Processes {@code tokenIds}, the whole span of new tokens of one request step, after the
   * committed cache; commits their KV and returns logits for every new position. A refused call
   * (bad ids, a span that cannot fit the StreamingLLM window) changes nothing.
   */
  public Logits forward(int[] tokenIds, PassCount passCount) {
    checkTokens(tokenIds);
    int n = tokenIds.length;
    int passes = passCount.passesFor(n, model.config().passes());
    cache.makeRoom(n);
    var step = new ForwardStep(cache, n, model.rope());
    double[][] logits = model.forward(tokenIds, step, passes);
    cache.commit(step.newKv(), n);
    return new Logits(logits);
  }

  /** One generated token: a one-token call, one exact pass. */
  public Logits decode(int tokenId) {
    return forward(new int[] {tokenId}, PassCount.EXACT);
  }

  /** Entries in the cache: every position so far, or what StreamingLLM kept. */
  public int cacheLength() {
    return cache.length();
  }

  private void checkTokens(int[] tokenIds) {
    if (tokenIds.length == 0) {
      throw new IllegalArgumentException("no tokens to process: a call needs at least one token id");
    }
    int vocab = model.vocabSize();
    for (int t = 0; t < tokenIds.length; t++) {
      if (tokenIds[t] < 0 || tokenIds[t] >= vocab) {
        throw new IllegalArgumentException(
            "token id " + tokenIds[t] + " at index " + t + " is outside the vocabulary [0, "
                + vocab + ")");
      }
    }
  }
}
