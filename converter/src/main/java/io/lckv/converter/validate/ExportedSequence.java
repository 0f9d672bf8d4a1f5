package io.lckv.converter.validate;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.lckv.converter.graph.GraphIo;
import io.lckv.nativeops.KvPool;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One sequence run through a converted graph with its KV in a pool, the way the engine drives
 * it: the caller picks the pass count, the graph commits, the lengths advance after the run.
 */
public final class ExportedSequence implements AutoCloseable {

  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private final OrtSession session;
  private final KvPool pool;
  private final int vocab;
  private final float[] invFreq;
  private final int[] blockTable;
  private int length;

  ExportedSequence(OrtSession session, KvPool pool, int vocab, float[] invFreq) {
    this.session = session;
    this.pool = pool;
    this.vocab = vocab;
    this.invFreq = invFreq;
    this.blockTable = new int[pool.stats().numBlocks()];
    for (int b = 0; b < blockTable.length; b++) {
      blockTable[b] = b;
    }
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
   * StreamingLLM (spec §5) as the reference does it: before {@code n} new tokens, when they would
   * not fit {@code window} kept entries, keep the first {@code sinks} and the latest
   * {@code window − sinks − n}, moving the kept tail down with {@link KvPool#shift} (which
   * re-rotates its keys to their new positions).
   */
  public void makeRoom(int n, int sinks, int window) {
    if (length + n <= window) {
      return;
    }
    int recent = window - sinks - n;
    if (recent < 0) {
      throw new IllegalArgumentException(
          n + " new tokens do not fit a window of " + window + " with " + sinks + " sinks");
    }
    int evicted = length - sinks - recent;
    pool.shift(blockTable, sinks + evicted, sinks, recent, invFreq);
    length = sinks + recent;
  }

  private Map<String, float[]> run(long[] ids, long passes, long logitsFrom)
      throws OrtException {
    int n = ids.length;
    long[] positions = new long[n];
    for (int i = 0; i < n; i++) {
      positions[i] = length + i;
    }
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      feeds.put(GraphIo.INPUT_IDS, OnnxTensor.createTensor(ENV, new long[][] {ids}));
      feeds.put(GraphIo.POSITIONS, OnnxTensor.createTensor(ENV, new long[][] {positions}));
      feeds.put(GraphIo.POOL, OnnxTensor.createTensor(ENV, pool.handle()));
      feeds.put(GraphIo.BLOCK_TABLE, OnnxTensor.createTensor(ENV, new int[][] {blockTable}));
      feeds.put(GraphIo.CACHE_LENS, OnnxTensor.createTensor(ENV, new int[][] {{length}}));
      feeds.put(GraphIo.SINKS, OnnxTensor.createTensor(ENV, new int[] {0}));
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
