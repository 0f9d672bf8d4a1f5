package io.lckv.converter.config;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * A validated {@code config.json}, already in the current LCKV form whatever {@code model_type}
 * the checkpoint declared (spec §1, §6).
 *
 * @param file the config.json it was read from, for messages about it
 * @param declaredType the {@code model_type} as written; a legacy type is already mapped
 * @param slidingWindow W of {@code s} layers; empty means none ({@code sliding_window: null})
 * @param bosTokenIds empty when the config sets none
 */
public record ModelConfig(
    Path file,
    ModelType declaredType,
    Dimensions dimensions,
    LayerLayout layout,
    PassSchedule passes,
    boolean forceNodiag,
    OptionalInt slidingWindow,
    double rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    int maxPositionEmbeddings,
    boolean tieWordEmbeddings,
    List<Integer> bosTokenIds,
    List<Integer> eosTokenIds) {

  public ModelConfig {
    bosTokenIds = List.copyOf(bosTokenIds);
    eosTokenIds = List.copyOf(eosTokenIds);
  }
}
