package io.lckv.converter.validate;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.lckv.converter.graph.GraphIo;
import io.lckv.converter.reference.StreamingLlm;
import io.lckv.nativeops.KvPool;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One sequence run through a converted graph with its KV in a pool of its own, the way the engine
 * drives it: blocks taken from a free list as the cache grows, the caller picks the pass count,
 * the graph commits, the length advances after the run.
 *
 * <p>A StreamingLLM sequence keeps its blocks laid out as the engine's {@code CacheView} does
 * (native/README.md §2): the sinks in blocks of their own, the recent entries from
 * {@code recent_offset} slots into the block after them. Before a call that would overflow the
 * window it evicts the oldest recent entries by bookkeeping only, freeing the front blocks of the
 * recent region; its keys are stored without rope ({@code rope_at_read}), so the kept ones are
 * rotated at their new indices when read, as the reference re-rotates them.
 */
public final class ExportedSequence implements AutoCloseable {

  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private final OrtSession session;
  private final KvPool pool;
  private final int vocab;
  private final int blockSize;
  private final Optional<StreamingLlm> streaming;
  private final int sinks;
  private final Deque<Integer> free = new ArrayDeque<>();
  private final List<Integer> blocks = new ArrayList<>();
  private int length;
  private int recentOffset;

  ExportedSequence(OrtSession session, KvPool pool, int vocab, Optional<StreamingLlm> streaming) {
    this.session = session;
    this.pool = pool;
    this.vocab = vocab;
    this.blockSize = pool.geometry().blockSize();
    this.streaming = streaming;
    this.sinks = streaming.map(StreamingLlm::sinks).orElse(0);
    // Handed out from the top, so a table is never simply 0, 1, 2, ...
    for (int b = 0; b < pool.stats().numBlocks(); b++) {
      free.push(b);
    }
  }

  /**
   * Blocks a StreamingLLM sequence ever holds: the sinks', then those of the window's recent
   * entries plus the evicted but not yet freed slots before them.
   */
  static int streamingBlocks(StreamingLlm s, int blockSize) {
    return Math.ceilDiv(s.sinks(), blockSize)
        + Math.ceilDiv(blockSize - 1 + s.window() - s.sinks(), blockSize);
  }

  /** Committed tokens. */
  public int length() {
    return length;
  }

  public KvPool pool() {
    return pool;
  }

  /**
   * Runs {@code ids} after what is committed with {@code passes} passes per cyclic group,
   * commits them and returns the logits of every new token, {@code [n][vocab]}.
   */
  public float[][] forward(long[] ids, long passes) throws OrtException {
    Map<String, float[]> out = run(ids, passes, 0);
    float[] all = out.get(GraphIo.LOGITS_ALL);
    float[][] rows = new float[ids.length][];
    for (int i = 0; i < ids.length; i++) {
      rows[i] = Arrays.copyOfRange(all, i * vocab, (i + 1) * vocab);
    }
    return rows;
  }

  /** One decode step (one pass) returning the {@code logits} output, as generation reads it. */
  public float[] decode(long id) throws OrtException {
    return run(new long[] {id}, 1, GraphIo.NO_LOGITS_ALL).get(GraphIo.LOGITS);
  }

  /**
   * StreamingLLM as the reference does it: before {@code n} new tokens that would not fit the
   * window, keep the first {@code sinks} entries and the latest {@code window - sinks - n}. Only
   * bookkeeping: the length drops, the recent offset grows, emptied blocks go back to the free
   * list. Then blocks are taken for the new entries.
   */
  private void prepare(int n) {
    streaming.ifPresent(s -> {
      int most = s.window() - Math.min(length, s.sinks());
      if (n > most) {
        throw new IllegalArgumentException(n + " new tokens do not fit a StreamingLLM window of "
            + s.window() + " with " + s.sinks() + " sinks: at most " + most + " here");
      }
      int evicted = Math.max(0, length + n - s.window());
      length -= evicted;
      recentOffset += evicted;
      int sinkBlocks = Math.ceilDiv(sinks, blockSize);
      while (recentOffset >= blockSize) {
        free.push(blocks.remove(sinkBlocks));
        recentOffset -= blockSize;
      }
    });
    int entries = length + n;
    int needed = entries <= sinks
        ? Math.ceilDiv(entries, blockSize)
        : Math.ceilDiv(sinks, blockSize) + Math.ceilDiv(recentOffset + entries - sinks, blockSize);
    while (blocks.size() < needed) {
      if (free.isEmpty()) {
        throw new IllegalStateException("the sequence's pool has no block left for "
            + entries + " entries");
      }
      blocks.add(free.pop());
    }
  }

  private Map<String, float[]> run(long[] ids, long passes, long logitsFrom)
      throws OrtException {
    int n = ids.length;
    prepare(n);
    long[] positions = new long[n];
    for (int i = 0; i < n; i++) {
      positions[i] = length + i;
    }
    int[] table = blocks.stream().mapToInt(Integer::intValue).toArray();
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      feeds.put(GraphIo.INPUT_IDS, OnnxTensor.createTensor(ENV, new long[][] {ids}));
      feeds.put(GraphIo.POSITIONS, OnnxTensor.createTensor(ENV, new long[][] {positions}));
      feeds.put(GraphIo.POOL, OnnxTensor.createTensor(ENV, pool.handle()));
      feeds.put(GraphIo.BLOCK_TABLE, OnnxTensor.createTensor(ENV, new int[][] {table}));
      feeds.put(GraphIo.CACHE_LENS, OnnxTensor.createTensor(ENV, new int[][] {{length}}));
      feeds.put(GraphIo.SINKS, OnnxTensor.createTensor(ENV, new int[] {sinks}));
      feeds.put(GraphIo.RECENT_OFFSET, OnnxTensor.createTensor(ENV, new int[] {recentOffset}));
      feeds.put(GraphIo.ROPE_AT_READ,
          OnnxTensor.createTensor(ENV, new int[] {streaming.isPresent() ? 1 : 0}));
      feeds.put(GraphIo.PASSES, OnnxTensor.createTensor(ENV, passes));
      feeds.put(GraphIo.LOGITS_FROM, OnnxTensor.createTensor(ENV, logitsFrom));
      try (OrtSession.Result result = session.run(feeds)) {
        Map<String, float[]> out = new HashMap<>();
        for (String name : new String[] {GraphIo.LOGITS, GraphIo.LOGITS_ALL}) {
          FloatBuffer buffer = ((OnnxTensor) result.get(name).orElseThrow()).getFloatBuffer();
          float[] values = new float[buffer.remaining()];
          buffer.get(values);
          out.put(name, values);
        }
        int[][] newLens = (int[][]) result.get(GraphIo.NEW_LENS).orElseThrow().getValue();
        length = newLens[0][0];
        return out;
      }
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
