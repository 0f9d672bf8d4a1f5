package io.lckv.converter.model;

import io.lckv.converter.checkpoint.Tensor;
import java.util.Optional;

/**
 * One decoder layer's tensors, shapes checked against the config.
 *
 * @param kv present exactly when the layer is a KV layer
 */
public record LayerWeights(
    Tensor inputNorm,
    Tensor qProj,
    Optional<KvProjection> kv,
    Tensor oProj,
    Tensor postAttentionNorm,
    Tensor gateProj,
    Tensor upProj,
    Tensor downProj) {}
