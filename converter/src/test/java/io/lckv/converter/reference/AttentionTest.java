package io.lckv.converter.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.lckv.converter.config.Dimensions;
import io.lckv.converter.config.Layer;
import io.lckv.converter.config.RopeScaling;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * Which keys a query sees (spec §3). With zero queries every visible key scores the same, and
 * the value of position j is the unit vector e_j, so an output row is the uniform average of
 * exactly the visible positions.
 */
class AttentionTest {

  private static final int POSITIONS = 8;
  private static final int HEAD_DIM = POSITIONS;
  private static final RotaryEmbedding ROPE =
      new RotaryEmbedding(HEAD_DIM, 10000, new RopeScaling.None());

  private static Layer reader(boolean nodiag, OptionalInt window) {
    return new Layer(0, 0, true, nodiag, window);
  }

  /** Rows for positions 0..7, the first {@code committed} of them already in the cache. */
  private static double[][] attend(Layer layer, int committed, int heads, int kvHeads) {
    var dims = new Dimensions(1, HEAD_DIM * heads, 1, heads, kvHeads, HEAD_DIM, 1);
    var cache = new KvCache(List.of(0), Optional.empty(), ROPE);
    if (committed > 0) {
      cache.commit(Map.of(0, positionValues(0, committed, kvHeads)), committed);
    }
    int n = POSITIONS - committed;
    var step = new ForwardStep(cache, n, ROPE);
    step.setNewKv(0, positionValues(committed, n, kvHeads));
    return new Attention(dims).attend(new double[n][heads * HEAD_DIM], layer, step);
  }

  /** KV head g holds (g + 1) * e_j at position j, so each head shows which KV head it read. */
  private static WorkingKv positionValues(int first, int count, int kvHeads) {
    WorkingKv kv = WorkingKv.zeros(count, kvHeads * HEAD_DIM);
    for (int t = 0; t < count; t++) {
      for (int g = 0; g < kvHeads; g++) {
        kv.value(t)[g * HEAD_DIM + first + t] = g + 1;
      }
    }
    return kv;
  }

  /** The uniform average of positions first..last (inclusive) of KV head {@code kvHead}. */
  private static double[] average(int first, int last, int kvHead) {
    double[] row = new double[HEAD_DIM];
    for (int j = first; j <= last; j++) {
      row[j] = (kvHead + 1) / (double) (last - first + 1);
    }
    return row;
  }

  private static void assertSees(double[][] rows, int p, int first, int last) {
    double[] expected = last < first ? new double[HEAD_DIM] : average(first, last, 0);
    assertArrayEquals(expected, rows[p], 1e-15, "position " + p);
  }

  @Test
  void aQuerySeesEveryEarlierPositionAndItsOwn() {
    double[][] rows = attend(reader(false, OptionalInt.empty()), 0, 1, 1);
    for (int p = 0; p < POSITIONS; p++) {
      assertSees(rows, p, 0, p);
    }
  }

  @Test
  void nodiagHidesTheOwnPositionAndARowWithoutKeysIsExactlyZero() {
    double[][] rows = attend(reader(true, OptionalInt.empty()), 0, 1, 1);
    assertArrayEquals(new double[HEAD_DIM], rows[0], 0.0);
    for (int p = 1; p < POSITIONS; p++) {
      assertSees(rows, p, 0, p - 1);
    }
  }

  @Test
  void aWindowOfWKeysCountsTheOwnPosition() {
    double[][] rows = attend(reader(false, OptionalInt.of(3)), 0, 1, 1);
    double[][] nodiagRows = attend(reader(true, OptionalInt.of(3)), 0, 1, 1);
    for (int p = 0; p < POSITIONS; p++) {
      assertSees(rows, p, Math.max(0, p - 2), p);
      assertSees(nodiagRows, p, Math.max(0, p - 2), p - 1);
    }
  }

  @Test
  void committedAndNewPositionsFormOneRange() {
    double[][] rows = attend(reader(false, OptionalInt.of(4)), 3, 1, 1);
    for (int t = 0; t < rows.length; t++) {
      int p = 3 + t;
      assertSees(rows, t, Math.max(0, p - 3), p);
    }
  }

  @Test
  void queryHeadsShareKvHeadsInConsecutiveGroups() {
    double[][] rows = attend(reader(false, OptionalInt.empty()), 0, 4, 2);
    for (int head = 0; head < 4; head++) {
      double[] headOut = new double[HEAD_DIM];
      System.arraycopy(rows[POSITIONS - 1], head * HEAD_DIM, headOut, 0, HEAD_DIM);
      assertArrayEquals(average(0, POSITIONS - 1, head / 2), headOut, 1e-15, "head " + head);
    }
  }
}
