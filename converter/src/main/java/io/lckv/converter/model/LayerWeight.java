package io.lckv.converter.model;

import io.lckv.converter.checkpoint.Shape;
import io.lckv.converter.config.Dimensions;

/** The weights of decoder layer i, named {@code model.layers.{i}.<suffix>} (spec §2). */
enum LayerWeight {
  INPUT_NORM("input_layernorm.weight"),
  Q_PROJ("self_attn.q_proj.weight"),
  K_PROJ("self_attn.k_proj.weight"),
  V_PROJ("self_attn.v_proj.weight"),
  O_PROJ("self_attn.o_proj.weight"),
  POST_ATTENTION_NORM("post_attention_layernorm.weight"),
  GATE_PROJ("mlp.gate_proj.weight"),
  UP_PROJ("mlp.up_proj.weight"),
  DOWN_PROJ("mlp.down_proj.weight");

  static final String PREFIX = "model.layers.";

  final String suffix;

  LayerWeight(String suffix) {
    this.suffix = suffix;
  }

  String nameIn(int layer) {
    return PREFIX + layer + "." + suffix;
  }

  /** Only KV layers have these (spec §2). */
  boolean kvOnly() {
    return this == K_PROJ || this == V_PROJ;
  }

  /** Linear weights are [out, in], as torch stores them. */
  Shape expectedShape(Dimensions d) {
    return switch (this) {
      case INPUT_NORM, POST_ATTENTION_NORM -> Shape.of(d.hiddenSize());
      case Q_PROJ -> Shape.of(d.queryWidth(), d.hiddenSize());
      case K_PROJ, V_PROJ -> Shape.of(d.kvWidth(), d.hiddenSize());
      case O_PROJ -> Shape.of(d.hiddenSize(), d.queryWidth());
      case GATE_PROJ, UP_PROJ -> Shape.of(d.intermediateSize(), d.hiddenSize());
      case DOWN_PROJ -> Shape.of(d.hiddenSize(), d.intermediateSize());
    };
  }

  /** The config fields behind {@link #expectedShape}, for messages. */
  String shapeRule() {
    return switch (this) {
      case INPUT_NORM, POST_ATTENTION_NORM -> "[hidden_size]";
      case Q_PROJ -> "[num_attention_heads*head_dim, hidden_size]";
      case K_PROJ, V_PROJ -> "[num_key_value_heads*head_dim, hidden_size]";
      case O_PROJ -> "[hidden_size, num_attention_heads*head_dim]";
      case GATE_PROJ, UP_PROJ -> "[intermediate_size, hidden_size]";
      case DOWN_PROJ -> "[hidden_size, intermediate_size]";
    };
  }
}
