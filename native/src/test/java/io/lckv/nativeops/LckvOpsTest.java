package io.lckv.nativeops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Runs lckv.Attention and lckv.KvCommit through ORT Java on a pool made through FFM, so the test
 * also proves both sides share one pool registry, and checks the numbers against a naive float64
 * attention written here from native/README.md §3.
 */
class LckvOpsTest {

  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  private static final int H = 4;
  private static final int KV_H = 2;
  private static final int D = 8;
  private static final int BS = 4;
  private static final int MAX_BLOCKS = 4;

  /** One call's feeds: per sequence its committed length, its block table and sink count. */
  private record Batch(int n, int[] lens, int[][] tables, int[] sinks, float[] q, float[] k,
      float[] v) {

    int size() {
      return lens.length;
    }
  }

  @Test
  void decodeWithRaggedLengthsNodiagAndAnEmptyRow() throws OrtException {
    var model = new AttentionCommitModel(H, KV_H, D, 1, 0);
    try (KvPool pool = KvPool.create(new PoolGeometry(1, KV_H, D, BS), 12, PoolDtype.F32,
        KvPool.HOST)) {
      // Sequence 1 is empty: with nodiag its single query sees no key and must output zeros.
      Batch batch = batch(new Random(7), 1, new int[] {5, 0, 9},
          new int[][] {{3, 0, 8, -1}, {11, -1, -1, -1}, {1, 2, 4, 6}}, new int[3]);
      KvSlots[] committed = prefill(pool, batch, new Random(8));

      Map<String, float[]> out = run(model, pool.handle(), batch, Set.of("out", "new_lens"));

      float[] expected = naive(batch, committed, 1, 0);
      assertArrayEquals(expected, out.get("out"), 1e-5f);
      for (int i = H * D; i < 2 * H * D; i++) {
        assertEquals(0f, out.get("out")[i], "row of the empty sequence");
      }
      assertArrayEquals(new float[] {6, 1, 10}, out.get("new_lens"));
      for (int b = 0; b < batch.size(); b++) {
        KvSlots slot = pool.readSlots(0, batch.tables()[b], batch.lens()[b], 1);
        assertArrayEquals(slice(batch.k(), b, KV_H * D), slot.keys(), "committed key of " + b);
        assertArrayEquals(slice(batch.v(), b, KV_H * D), slot.values(), "committed value of " + b);
      }
      PoolStats stats = pool.stats();
      assertEquals(1, stats.attentionCalls());
      assertEquals(1, stats.commitCalls());
      assertEquals(3, stats.committedTokens());
    }
  }

  @Test
  void prefillWithAWindowAndSinks() throws OrtException {
    var model = new AttentionCommitModel(H, KV_H, D, 0, 3);
    try (KvPool pool = KvPool.create(new PoolGeometry(1, KV_H, D, BS), 8, PoolDtype.F32,
        KvPool.HOST)) {
      Batch batch = batch(new Random(3), 3, new int[] {6, 2},
          new int[][] {{5, 2, 7, -1}, {0, 1, -1, -1}}, new int[] {1, 0});
      KvSlots[] committed = prefill(pool, batch, new Random(4));

      float[] out = run(model, pool.handle(), batch, Set.of("out", "new_lens")).get("out");

      assertArrayEquals(naive(batch, committed, 0, 3), out, 1e-5f);
    }
  }

  /**
   * Pins an ORT behaviour the graph contract depends on: through the C API (so Java) a run
   * executes every node, whatever outputs are fetched (the C++-only RunOptions flag
   * only_execute_path_to_fetches is not reachable), so a commit runs even when only the
   * attention output is fetched.
   */
  @Test
  void everyRunCommitsEvenWhenOnlyTheAttentionIsFetched() throws OrtException {
    var model = new AttentionCommitModel(H, KV_H, D, 0, 0);
    try (KvPool pool = KvPool.create(new PoolGeometry(1, KV_H, D, BS), 4, PoolDtype.F32,
        KvPool.HOST)) {
      Batch batch = batch(new Random(5), 2, new int[] {1}, new int[][] {{2, -1, -1, -1}},
          new int[1]);
      prefill(pool, batch, new Random(6));

      run(model, pool.handle(), batch, Set.of("out"));

      assertEquals(1, pool.stats().attentionCalls());
      assertEquals(1, pool.stats().commitCalls());
    }
  }

  @Test
  void badCallsComeBackAsOrtExceptionsWithTheOpsMessage() throws OrtException {
    var model = new AttentionCommitModel(H, KV_H, D, 0, 0);
    try (KvPool pool = KvPool.create(new PoolGeometry(1, KV_H, D, BS), 4, PoolDtype.F32,
        KvPool.HOST)) {
      Batch good = batch(new Random(9), 1, new int[] {2}, new int[][] {{1, -1, -1, -1}},
          new int[1]);
      long unknown = pool.handle() + 1_000_000;
      assertOpError(model, unknown, good, "lckv.Attention: input 'pool' = " + unknown);

      Batch badBlock = batch(new Random(9), 1, new int[] {6}, new int[][] {{1, 900, -1, -1}},
          new int[1]);
      assertOpError(model, pool.handle(), badBlock, "lckv.Attention: input 'block_table'");
      assertOpError(model, pool.handle(), badBlock, "900");

      assertOpError(model, pool.handle(), good, Map.of("cache_lens", new long[] {1}),
          "lckv.Attention: input 'cache_lens' has shape [1], expected rank 2");

      // The process and the session machinery are intact: a good call still runs.
      assertEquals(H * D,
          run(model, pool.handle(), good, Set.of("out")).get("out").length);
    }
  }

  private static void assertOpError(
      AttentionCommitModel model, long handle, Batch batch, String expected) {
    assertOpError(model, handle, batch, Map.of(), expected);
  }

  private static void assertOpError(AttentionCommitModel model, long handle, Batch batch,
      Map<String, long[]> reshaped, String expected) {
    var e = assertThrows(OrtException.class,
        () -> run(model, handle, batch, reshaped, Set.of("out", "new_lens")));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  private static Map<String, float[]> run(AttentionCommitModel model, long handle, Batch batch,
      Set<String> outputs) throws OrtException {
    return run(model, handle, batch, Map.of(), outputs);
  }

  /** Runs the model; {@code reshaped} overrides the shapes of integer feeds (for bad calls). */
  private static Map<String, float[]> run(AttentionCommitModel model, long handle, Batch batch,
      Map<String, long[]> reshaped, Set<String> outputs) throws OrtException {
    int b = batch.size();
    int[] table = new int[b * MAX_BLOCKS];
    for (int s = 0; s < b; s++) {
      System.arraycopy(batch.tables()[s], 0, table, s * MAX_BLOCKS, MAX_BLOCKS);
    }
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try (var options = new OrtSession.SessionOptions()) {
      OpLibrary.registerWith(options);
      try (OrtSession session = ENV.createSession(model.bytes(), options)) {
        feeds.put("q", floats(batch.q(), b, batch.n(), H * D));
        feeds.put("k", floats(batch.k(), b, batch.n(), KV_H * D));
        feeds.put("v", floats(batch.v(), b, batch.n(), KV_H * D));
        feeds.put("pool", OnnxTensor.createTensor(ENV, handle));
        feeds.put("block_table", ints(table, reshaped.getOrDefault("block_table",
            new long[] {b, MAX_BLOCKS})));
        feeds.put("cache_lens", ints(batch.lens(), reshaped.getOrDefault("cache_lens",
            new long[] {b, 1})));
        feeds.put("sinks", ints(batch.sinks(), new long[] {b}));
        try (OrtSession.Result result = session.run(feeds, outputs)) {
          Map<String, float[]> values = new HashMap<>();
          for (var entry : result) {
            var tensor = (OnnxTensor) entry.getValue();
            values.put(entry.getKey(), entry.getKey().equals("new_lens")
                ? toFloats(tensor.getIntBuffer()) : toFloats(tensor.getFloatBuffer()));
          }
          return values;
        }
      } finally {
        feeds.values().forEach(OnnxTensor::close);
      }
    }
  }

  private static Batch batch(Random random, int n, int[] lens, int[][] tables, int[] sinks) {
    int b = lens.length;
    return new Batch(n, lens, tables, sinks, gaussian(random, b * n * H * D),
        gaussian(random, b * n * KV_H * D), gaussian(random, b * n * KV_H * D));
  }

  /** Writes random committed K/V for every sequence's slots 0..len-1 and returns them. */
  private static KvSlots[] prefill(KvPool pool, Batch batch, Random random) {
    KvSlots[] committed = new KvSlots[batch.size()];
    for (int s = 0; s < batch.size(); s++) {
      int floats = batch.lens()[s] * KV_H * D;
      committed[s] = new KvSlots(gaussian(random, floats), gaussian(random, floats));
      pool.writeSlots(0, batch.tables()[s], 0, committed[s]);
    }
    return committed;
  }

  /** native/README.md §3.1 in float64: committed slots then the working keys, masked. */
  private static float[] naive(Batch batch, KvSlots[] committed, int nodiag, int window) {
    int n = batch.n();
    float[] out = new float[batch.size() * n * H * D];
    for (int s = 0; s < batch.size(); s++) {
      int len = batch.lens()[s];
      for (int i = 0; i < n; i++) {
        int p = len + i;
        for (int h = 0; h < H; h++) {
          int g = h / (H / KV_H);
          int qOff = ((s * n + i) * H + h) * D;
          double[] scores = new double[len + n];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < len + n; j++) {
            boolean visible = j <= p - nodiag
                && (window == 0 || j > p - window || j < batch.sinks()[s]);
            if (!visible) {
              scores[j] = Double.NEGATIVE_INFINITY;
              continue;
            }
            double dot = 0;
            for (int d = 0; d < D; d++) {
              dot += batch.q()[qOff + d] * key(batch, committed, s, j, g, d, true);
            }
            scores[j] = dot / Math.sqrt(D);
            max = Math.max(max, scores[j]);
          }
          if (max == Double.NEGATIVE_INFINITY) {
            continue; // no visible key: the row stays zero
          }
          double sum = 0;
          for (int j = 0; j < len + n; j++) {
            scores[j] = Math.exp(scores[j] - max);
            sum += scores[j];
          }
          for (int d = 0; d < D; d++) {
            double acc = 0;
            for (int j = 0; j < len + n; j++) {
              acc += scores[j] / sum * key(batch, committed, s, j, g, d, false);
            }
            out[qOff + d] = (float) acc;
          }
        }
      }
    }
    return out;
  }

  /** Element d of head g of the key (or value) at position j of sequence s. */
  private static float key(Batch batch, KvSlots[] committed, int s, int j, int g, int d,
      boolean isKey) {
    int len = batch.lens()[s];
    if (j < len) {
      float[] rows = isKey ? committed[s].keys() : committed[s].values();
      return rows[(j * KV_H + g) * D + d];
    }
    float[] work = isKey ? batch.k() : batch.v();
    return work[((s * batch.n() + j - len) * KV_H + g) * D + d];
  }

  private static float[] slice(float[] rows, int index, int width) {
    float[] out = new float[width];
    System.arraycopy(rows, index * width, out, 0, width);
    return out;
  }

  private static float[] gaussian(Random random, int count) {
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  private static OnnxTensor floats(float[] values, long... shape) throws OrtException {
    return OnnxTensor.createTensor(ENV, FloatBuffer.wrap(values), shape);
  }

  private static OnnxTensor ints(int[] values, long[] shape) throws OrtException {
    return OnnxTensor.createTensor(ENV, IntBuffer.wrap(values), shape);
  }

  private static float[] toFloats(FloatBuffer buffer) {
    float[] out = new float[buffer.remaining()];
    buffer.get(out);
    return out;
  }

  private static float[] toFloats(IntBuffer buffer) {
    float[] out = new float[buffer.remaining()];
    for (int i = 0; i < out.length; i++) {
      out[i] = buffer.get(i);
    }
    return out;
  }
}
