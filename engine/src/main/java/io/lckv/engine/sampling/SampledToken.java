package io.lckv.engine.sampling;

import java.util.Optional;

/** The token a sampler picked, with its log-probabilities when the request asked for them. */
public record SampledToken(int tokenId, Optional<TokenLogprobs> logprobs) {}
