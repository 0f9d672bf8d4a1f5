package io.lckv.converter.golden;

import java.util.List;
import java.util.OptionalInt;

/**
 * How the Python reference read the fixture's config.json, as its manifest records it: what the
 * Java input side must agree with.
 *
 * @param layerTypes in the current form (mapped for opt-llama)
 * @param slidingWindow empty when the reference uses none
 * @param maxPasses M = forward_passes + max(backward_passes, 1)
 * @param storedLmHeadIgnored the checkpoint holds an lm_head.weight that tied embeddings ignore
 */
public record ReferenceReading(
    String modelType,
    String layerTypes,
    List<Integer> kvLayers,
    boolean forceNodiag,
    OptionalInt slidingWindow,
    List<PlanGroup> iterationPlan,
    int forwardPasses,
    int backwardPasses,
    int maxPasses,
    boolean tieWordEmbeddings,
    boolean storedLmHeadIgnored) {

  public ReferenceReading {
    kvLayers = List.copyOf(kvLayers);
    iterationPlan = List.copyOf(iterationPlan);
  }
}
