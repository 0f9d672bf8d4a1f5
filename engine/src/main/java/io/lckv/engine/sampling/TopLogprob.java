package io.lckv.engine.sampling;

/** One alternative token and its log-probability. */
public record TopLogprob(int tokenId, double logprob) {}
