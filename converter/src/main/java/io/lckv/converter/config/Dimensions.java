package io.lckv.converter.config;

/**
 * The sizes that fix every weight's shape. Validated on reading so that products of any two fit
 * comfortably in a long.
 */
public record Dimensions(
    int numLayers,
    int hiddenSize,
    int intermediateSize,
    int numHeads,
    int numKvHeads,
    int headDim,
    int vocabSize) {

  /** Rows of q_proj (and columns of o_proj). */
  public long queryWidth() {
    return (long) numHeads * headDim;
  }

  /** Rows of k_proj and v_proj. */
  public long kvWidth() {
    return (long) numKvHeads * headDim;
  }

  /** GQA: query head h reads KV head {@code h / queriesPerKvHead()}. */
  public int queriesPerKvHead() {
    return numHeads / numKvHeads;
  }

  /**
   * Parameters the config implies for {@code kvLayerCount} KV layers, with a separate lm_head
   * unless tied. Used to refuse configs whose sizes the weights present could not hold.
   */
  public long parameterCount(int kvLayerCount, boolean tiedEmbeddings) {
    long h = hiddenSize;
    long perLayer = 2 * h                        // the two norms
        + 2 * queryWidth() * h                   // q_proj, o_proj
        + 3 * (long) intermediateSize * h;       // gate, up, down
    long embeddings = (long) vocabSize * h * (tiedEmbeddings ? 1 : 2);
    return perLayer * numLayers + 2 * kvWidth() * h * kvLayerCount + embeddings + h;
  }
}
