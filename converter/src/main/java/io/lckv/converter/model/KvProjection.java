package io.lckv.converter.model;

import io.lckv.converter.checkpoint.Tensor;

/** The key and value projections of a KV layer, {@code [num_key_value_heads*head_dim, hidden]}. */
public record KvProjection(Tensor kProj, Tensor vProj) {}
