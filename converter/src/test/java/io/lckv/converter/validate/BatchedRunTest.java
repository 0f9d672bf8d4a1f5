package io.lckv.converter.validate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.lckv.converter.golden.Golden;
import io.lckv.converter.golden.GoldenFixtures;
import io.lckv.converter.golden.LogitDeviation;
import io.lckv.converter.graph.GraphIo;
import io.lckv.converter.graph.WeightFormat;
import io.lckv.nativeops.KvPool;
import io.lckv.nativeops.OpLibrary;
import io.lckv.nativeops.PoolDtype;
import io.lckv.nativeops.PoolGeometry;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The graph as the engine drives it with several sequences per call: ragged committed lengths in
 * one decode batch, equal-length prefills batched, and the {@code logits_from} rows. Each batched
 * result must equal the same sequence run alone. Model: the sandwich fixture (a cyclic group).
 */
class BatchedRunTest {

  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  private static final int BS = 4;
  private static final int BLOCKS_PER_SEQUENCE = 12;
  private static final long[] PROMPT_A = {5, 17, 42, 99, 3, 250, 7};
  private static final long[] PROMPT_B = {11, 12, 13};

  private static OrtSession session;
  private static int vocab;

  /** What one call returned. */
  private record Outputs(float[] logits, float[] logitsAll, int[] newLens) {}

  @BeforeAll
  static void open() throws OrtException {
    Golden golden = GoldenFixtures.named("lckv-sandwich-bf16-sharded").load();
    var options = new OrtSession.SessionOptions();
    OpLibrary.registerWith(options);
    session = ENV.createSession(ConvertedFixtures.of(golden, WeightFormat.FP32)
        .resolve("model.onnx").toString(), options);
    vocab = 300;
  }

  @AfterAll
  static void close() throws OrtException {
    session.close();
  }

  private static KvPool pool() {
    // Sandwich: KV layers 0, 4, 5; 2 KV heads of 16.
    return KvPool.create(new PoolGeometry(3, 2, 16, BS), 2 * BLOCKS_PER_SEQUENCE, PoolDtype.F32,
        KvPool.HOST);
  }

  private static int[] table(int sequence) {
    int[] table = new int[BLOCKS_PER_SEQUENCE];
    for (int b = 0; b < table.length; b++) {
      table[b] = sequence * BLOCKS_PER_SEQUENCE + (table.length - 1 - b); // scattered, reversed
    }
    return table;
  }

  @Test
  void aRaggedDecodeBatchEqualsEachSequenceAlone() throws OrtException {
    float[] aloneA;
    float[] aloneB;
    try (KvPool pool = pool()) {
      run(pool, new long[][] {PROMPT_A}, new int[][] {table(0)}, new int[] {0}, PROMPT_A.length,
          GraphIo.NO_LOGITS_ALL);
      aloneA = run(pool, new long[][] {{77}}, new int[][] {table(0)},
          new int[] {PROMPT_A.length}, 1, GraphIo.NO_LOGITS_ALL).logits();
    }
    try (KvPool pool = pool()) {
      run(pool, new long[][] {PROMPT_B}, new int[][] {table(1)}, new int[] {0}, PROMPT_B.length,
          GraphIo.NO_LOGITS_ALL);
      aloneB = run(pool, new long[][] {{78}}, new int[][] {table(1)},
          new int[] {PROMPT_B.length}, 1, GraphIo.NO_LOGITS_ALL).logits();
    }
    try (KvPool pool = pool()) {
      run(pool, new long[][] {PROMPT_A}, new int[][] {table(0)}, new int[] {0}, PROMPT_A.length,
          GraphIo.NO_LOGITS_ALL);
      run(pool, new long[][] {PROMPT_B}, new int[][] {table(1)}, new int[] {0}, PROMPT_B.length,
          GraphIo.NO_LOGITS_ALL);
      Outputs batch = run(pool, new long[][] {{77}, {78}}, new int[][] {table(0), table(1)},
          new int[] {PROMPT_A.length, PROMPT_B.length}, 1, GraphIo.NO_LOGITS_ALL);
      assertClose(aloneA, slice(batch.logits(), 0, vocab));
      assertClose(aloneB, slice(batch.logits(), vocab, vocab));
      assertArrayEquals(new int[] {PROMPT_A.length + 1, PROMPT_B.length + 1}, batch.newLens());
      assertEquals(0, batch.logitsAll().length, "no rows asked for");
    }
  }

  @Test
  void aBatchedPrefillEqualsEachSequenceAlone() throws OrtException {
    long[] other = {9, 8, 7, 6, 5, 4, 3};
    float[] aloneOther;
    try (KvPool pool = pool()) {
      aloneOther = run(pool, new long[][] {other}, new int[][] {table(1)}, new int[] {0}, 5, 0)
          .logitsAll();
    }
    try (KvPool pool = pool()) {
      Outputs batch = run(pool, new long[][] {PROMPT_A, other},
          new int[][] {table(0), table(1)}, new int[] {0, 0}, 5, 0);
      int rows = other.length * vocab;
      assertClose(aloneOther, slice(batch.logitsAll(), rows, rows));
      assertArrayEquals(new int[] {7, 7}, batch.newLens());
    }
  }

  @Test
  void logitsFromSelectsRowsFromTheStartOrTheEndAndLogitsIsTheLastRow() throws OrtException {
    float[] all;
    Outputs tail;
    try (KvPool pool = pool()) {
      all = run(pool, new long[][] {PROMPT_A}, new int[][] {table(0)}, new int[] {0}, 7, 0)
          .logitsAll();
    }
    try (KvPool pool = pool()) {
      tail = run(pool, new long[][] {PROMPT_A}, new int[][] {table(0)}, new int[] {0}, 7, 4);
    }
    int n = PROMPT_A.length;
    assertEquals((n - 4) * vocab, tail.logitsAll().length);
    assertClose(slice(all, 4 * vocab, (n - 4) * vocab), tail.logitsAll());
    assertClose(slice(all, (n - 1) * vocab, vocab), tail.logits());
    try (KvPool pool = pool()) {
      float[] lastTwo = run(pool, new long[][] {PROMPT_A}, new int[][] {table(0)}, new int[] {0},
          7, -2).logitsAll();
      assertClose(slice(all, (n - 2) * vocab, 2 * vocab), lastTwo);
    }
  }

  private static Outputs run(KvPool pool, long[][] ids, int[][] tables, int[] lens, long passes,
      long logitsFrom) throws OrtException {
    int b = ids.length;
    long[][] positions = new long[b][];
    int[][] cacheLens = new int[b][];
    for (int s = 0; s < b; s++) {
      positions[s] = new long[ids[s].length];
      for (int i = 0; i < ids[s].length; i++) {
        positions[s][i] = lens[s] + i;
      }
      cacheLens[s] = new int[] {lens[s]};
    }
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      feeds.put(GraphIo.INPUT_IDS, OnnxTensor.createTensor(ENV, ids));
      feeds.put(GraphIo.POSITIONS, OnnxTensor.createTensor(ENV, positions));
      feeds.put(GraphIo.POOL, OnnxTensor.createTensor(ENV, pool.handle()));
      feeds.put(GraphIo.BLOCK_TABLE, OnnxTensor.createTensor(ENV, tables));
      feeds.put(GraphIo.CACHE_LENS, OnnxTensor.createTensor(ENV, cacheLens));
      feeds.put(GraphIo.SINKS, OnnxTensor.createTensor(ENV, new int[b]));
      feeds.put(GraphIo.RECENT_OFFSET, OnnxTensor.createTensor(ENV, new int[b]));
      feeds.put(GraphIo.ROPE_AT_READ, OnnxTensor.createTensor(ENV, new int[b]));
      feeds.put(GraphIo.PASSES, OnnxTensor.createTensor(ENV, passes));
      feeds.put(GraphIo.LOGITS_FROM, OnnxTensor.createTensor(ENV, logitsFrom));
      try (OrtSession.Result result = session.run(feeds)) {
        int[][] newLens = (int[][]) result.get(GraphIo.NEW_LENS).orElseThrow().getValue();
        int[] flat = new int[b];
        for (int s = 0; s < b; s++) {
          flat[s] = newLens[s][0];
        }
        return new Outputs(floats(result, GraphIo.LOGITS), floats(result, GraphIo.LOGITS_ALL),
            flat);
      }
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  private static float[] floats(OrtSession.Result result, String name) {
    FloatBuffer buffer = ((OnnxTensor) result.get(name).orElseThrow()).getFloatBuffer();
    float[] values = new float[buffer.remaining()];
    buffer.get(values);
    return values;
  }

  private static float[] slice(float[] values, int from, int length) {
    float[] out = new float[length];
    System.arraycopy(values, from, out, 0, length);
    return out;
  }

  private static void assertClose(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    double d = LogitDeviation.max(expected, actual);
    assertTrue(d <= 1e-5, "max |dlogit| " + d);
  }
}
