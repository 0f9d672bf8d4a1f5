package io.lckv.converter.model;

import io.lckv.converter.checkpoint.Tensor;
import java.util.List;

/**
 * The checkpoint's tensors in the roles the model gives them.
 *
 * @param lmHead the output projection: the same tensor as {@code embedTokens} when the config
 *     ties them
 */
public record ModelWeights(
    Tensor embedTokens, List<LayerWeights> layers, Tensor finalNorm, Tensor lmHead) {

  public ModelWeights {
    layers = List.copyOf(layers);
  }
}
