package io.lckv.converter.model;

import io.lckv.converter.checkpoint.Shape;
import io.lckv.converter.config.Dimensions;

/** The weights outside the decoder layers (spec §2). */
enum ModelWeight {
  EMBED_TOKENS("model.embed_tokens.weight"),
  FINAL_NORM("model.norm.weight"),
  LM_HEAD("lm_head.weight");

  final String tensorName;

  ModelWeight(String tensorName) {
    this.tensorName = tensorName;
  }

  Shape expectedShape(Dimensions d) {
    return switch (this) {
      case EMBED_TOKENS, LM_HEAD -> Shape.of(d.vocabSize(), d.hiddenSize());
      case FINAL_NORM -> Shape.of(d.hiddenSize());
    };
  }

  String shapeRule() {
    return this == FINAL_NORM ? "[hidden_size]" : "[vocab_size, hidden_size]";
  }
}
