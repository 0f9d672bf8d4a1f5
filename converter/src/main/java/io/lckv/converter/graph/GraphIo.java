package io.lckv.converter.graph;

import java.util.List;
import onnx.Onnx.TensorProto.DataType;

/**
 * The converted graph's inputs and outputs: the contract between the converter and the engine.
 * Symbolic dimensions: {@code batch} (sequences in the call), {@code new_tokens} (n, the same for
 * every sequence), {@code max_blocks} (block-table width), {@code logit_rows} (n − logits_from,
 * at least 0).
 */
public final class GraphIo {

  /** int64 [batch, new_tokens]: the new tokens. */
  public static final String INPUT_IDS = "input_ids";
  /**
   * int64 [batch, new_tokens]: rope positions of the new tokens, which are their cache entry
   * indices: cache_lens + i (in StreamingLLM mode indices within the kept cache).
   */
  public static final String POSITIONS = "positions";
  /** int64 []: the KvPool handle. */
  public static final String POOL = "pool";
  /** int32 [batch, max_blocks]: each sequence's pool blocks, shared by all KV layers. */
  public static final String BLOCK_TABLE = "block_table";
  /** int32 [batch, 1]: committed cache length of each sequence before this call. */
  public static final String CACHE_LENS = "cache_lens";
  /**
   * int32 [batch]: StreamingLLM sinks S: the first S entries keep slots of their own, the rest
   * follow after the sink blocks (native/README.md §2). Layout only: a windowed layer sees the
   * sinks only inside its window, as the reference does; 0 without StreamingLLM.
   */
  public static final String SINKS = "sinks";
  /**
   * int32 [batch]: slot offset of entry S after the sink blocks, 0 … block_size − 1, bumped by
   * StreamingLLM eviction (native/README.md §2); 0 without StreamingLLM.
   */
  public static final String RECENT_OFFSET = "recent_offset";
  /**
   * int32 [batch]: 1 for StreamingLLM sequences, from their first step: the pool keeps their keys
   * without rope and attention rotates them at their current index, so eviction moves nothing.
   */
  public static final String ROPE_AT_READ = "rope_at_read";
  /** int64 []: P, the pass count of every cyclic group this call (spec §4); 1 for decode. */
  public static final String PASSES = "passes";
  /**
   * int64 []: the first new-token index whose logits {@link #LOGITS_ALL} returns. 0 gives every
   * position (scoring, perplexity), −k the last k (Slice semantics); n or more
   * ({@link #NO_LOGITS_ALL}) gives none, so generation
   * pays nothing for the vocabulary projection of every position. (An input rather than a choice
   * of fetched outputs: through ORT's C and Java APIs a run executes every node, fetched or not.)
   */
  public static final String LOGITS_FROM = "logits_from";

  /** float32 [batch, vocab]: logits of the last new token. */
  public static final String LOGITS = "logits";
  /** float32 [batch, logit_rows, vocab]: logits of new tokens logits_from … n−1. */
  public static final String LOGITS_ALL = "logits_all";
  /** int32 [batch, 1]: cache_lens + n, produced by the last KV commit of the step. */
  public static final String NEW_LENS = "new_lens";

  /** A {@link #LOGITS_FROM} for no position's logits. */
  public static final long NO_LOGITS_ALL = Long.MAX_VALUE;

  private GraphIo() {}

  /** The inputs, all required, in the order the graph declares them. */
  public static List<TensorSpec> inputs() {
    return List.of(
        TensorSpec.of(INPUT_IDS, DataType.INT64, "batch", "new_tokens"),
        TensorSpec.of(POSITIONS, DataType.INT64, "batch", "new_tokens"),
        TensorSpec.of(POOL, DataType.INT64),
        TensorSpec.of(BLOCK_TABLE, DataType.INT32, "batch", "max_blocks"),
        TensorSpec.of(CACHE_LENS, DataType.INT32, "batch", 1L),
        TensorSpec.of(SINKS, DataType.INT32, "batch"),
        TensorSpec.of(RECENT_OFFSET, DataType.INT32, "batch"),
        TensorSpec.of(ROPE_AT_READ, DataType.INT32, "batch"),
        TensorSpec.of(PASSES, DataType.INT64),
        TensorSpec.of(LOGITS_FROM, DataType.INT64));
  }

  public static List<TensorSpec> outputs(int vocab) {
    long v = vocab;
    return List.of(
        TensorSpec.of(LOGITS, DataType.FLOAT, "batch", v),
        TensorSpec.of(LOGITS_ALL, DataType.FLOAT, "batch", "logit_rows", v),
        TensorSpec.of(NEW_LENS, DataType.INT32, "batch", 1L));
  }
}
