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
import java.util.Arrays;
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

  /**
   * One call's feeds: per sequence its committed length, block table and StreamingLLM layout
   * (sinks, recent offset, rope at read; native/README.md §2).
   */
  private record Batch(int n, int[] lens, int[][] tables, int[] sinks, int[] offsets,
      int[] ropeAtRead, float[] q, float[] k, float[] v) {

    int size() {
      return lens.length;
    }

    /** The slot of cache entry {@code entry} of sequence {@code s}. */
    int slotOf(int s, int entry) {
      return entry < sinks[s]
          ? entry
          : Math.ceilDiv(sinks[s], BS) * BS + offsets[s] + entry - sinks[s];
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
   * A streaming sequence (2 sinks, recent entries from slot 4 + 3, keys kept without rope) next
   * to a plain one: attention rotates the streaming sequence's committed keys at their index,
   * and the commit stores its new keys with the rope of their index taken off.
   */
  @Test
  void streamingLayoutWithRopeAtRead() throws OrtException {
    float[] invFreq = {1f, 0.1f, 0.01f, 0.001f};
    var model = new AttentionCommitModel(H, KV_H, D, 0, 0, invFreq);
    try (KvPool pool = KvPool.create(new PoolGeometry(1, KV_H, D, BS), 12, PoolDtype.F32,
        KvPool.HOST)) {
      Batch batch = batch(new Random(12), 2, new int[] {7, 5},
          new int[][] {{9, 1, 10, 3}, {4, 5, -1, -1}}, new int[] {2, 0}, new int[] {3, 0},
          new int[] {1, 0});
      KvSlots[] committed = prefill(pool, batch, new Random(13));

      float[] out = run(model, pool.handle(), batch, Set.of("out", "new_lens")).get("out");

      assertArrayEquals(naive(batch, committed, 0, 0, invFreq), out, 1e-5f);
      for (int t = 0; t < batch.n(); t++) {
        int entry = batch.lens()[0] + t;
        float[] stored = pool.readSlots(0, batch.tables()[0], batch.slotOf(0, entry), 1).keys();
        for (int g = 0; g < KV_H; g++) {
          float[] head = Arrays.copyOfRange(stored, g * D, (g + 1) * D);
          float[] given = Arrays.copyOfRange(batch.k(), (t * KV_H + g) * D, (t * KV_H + g + 1) * D);
          assertArrayEquals(given, KvPoolTest.rope(head, entry, invFreq), 1e-5f,
              "entry " + entry + " head " + g + " is stored without its rope");
        }
      }
    }
  }

  @Test
  void badLayoutCallsNameTheInput() throws OrtException {
    try (KvPool pool = KvPool.create(new PoolGeometry(1, KV_H, D, BS), 8, PoolDtype.F32,
        KvPool.HOST)) {
      Batch rope = batch(new Random(14), 1, new int[] {3}, new int[][] {{1, 2, -1, -1}},
          new int[] {2}, new int[] {0}, new int[] {1});
      assertOpError(new AttentionCommitModel(H, KV_H, D, 0, 0), pool.handle(), rope,
          "lckv.Attention: input 'rope_at_read' entry 0 = 1 asks for rope at read time");
      Batch offset = batch(new Random(14), 1, new int[] {3}, new int[][] {{1, 2, -1, -1}},
          new int[] {2}, new int[] {BS}, new int[] {0});
      assertOpError(new AttentionCommitModel(H, KV_H, D, 0, 0), pool.handle(), offset,
          "lckv.Attention: input 'recent_offset' entry 0 = 4 must be in 0..3");
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
        feeds.put("recent_offset", ints(batch.offsets(), new long[] {b}));
        feeds.put("rope_at_read", ints(batch.ropeAtRead(), new long[] {b}));
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
    return batch(random, n, lens, tables, sinks, new int[b], new int[b]);
  }

  private static Batch batch(Random random, int n, int[] lens, int[][] tables, int[] sinks,
      int[] offsets, int[] ropeAtRead) {
    int b = lens.length;
    return new Batch(n, lens, tables, sinks, offsets, ropeAtRead, gaussian(random, b * n * H * D),
        gaussian(random, b * n * KV_H * D), gaussian(random, b * n * KV_H * D));
  }

  /**
   * Writes random committed K/V for every sequence's entries 0..len-1 at their slots and returns
   * them (for a rope-at-read sequence the keys as stored: without rope).
   */
  private static KvSlots[] prefill(KvPool pool, Batch batch, Random random) {
    KvSlots[] committed = new KvSlots[batch.size()];
    int width = KV_H * D;
    for (int s = 0; s < batch.size(); s++) {
      int floats = batch.lens()[s] * width;
      committed[s] = new KvSlots(gaussian(random, floats), gaussian(random, floats));
      for (int j = 0; j < batch.lens()[s]; j++) {
        pool.writeSlots(0, batch.tables()[s], batch.slotOf(s, j), new KvSlots(
            Arrays.copyOfRange(committed[s].keys(), j * width, (j + 1) * width),
            Arrays.copyOfRange(committed[s].values(), j * width, (j + 1) * width)));
      }
    }
    return committed;
  }

  private static float[] naive(Batch batch, KvSlots[] committed, int nodiag, int window) {
    return naive(batch, committed, nodiag, window, new float[0]);
  }

  /**
   * native/README.md §3.1 in float64: committed entries then the working keys, masked; the
   * committed keys of a rope-at-read sequence rotated at their index first.
   */
  private static float[] naive(Batch batch, KvSlots[] committed, int nodiag, int window,
      float[] invFreq) {
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
            // Sinks only lay entries out: a window hides them like any other key.
            boolean visible = j <= p - nodiag && (window == 0 || j > p - window);
            if (!visible) {
              scores[j] = Double.NEGATIVE_INFINITY;
              continue;
            }
            float[] key = new float[D];
            for (int d = 0; d < D; d++) {
              key[d] = key(batch, committed, s, j, g, d, true);
            }
            if (j < len && batch.ropeAtRead()[s] == 1) {
              key = KvPoolTest.rope(key, j, invFreq);
            }
            double dot = 0;
            for (int d = 0; d < D; d++) {
              dot += batch.q()[qOff + d] * key[d];
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
