package io.lckv.engine.sampling;

import java.util.Arrays;

/**
 * Token ids by descending logit, equal logits by ascending id: one fixed order, so the same
 * random draw always lands on the same token.
 */
final class DescendingOrder {

  private DescendingOrder() {}

  /** Ids whose logit is at least {@code floor}, ordered. */
  static int[] atLeast(double[] logits, double floor) {
    int count = 0;
    int[] ids = new int[logits.length];
    for (int i = 0; i < logits.length; i++) {
      if (logits[i] >= floor) {
        ids[count++] = i;
      }
    }
    return sort(Arrays.copyOf(ids, count), logits);
  }

  /** The {@code k} first ids of the order, ordered; one pass with a heap of the best k. */
  static int[] top(double[] logits, int k) {
    if (k >= logits.length) {
      return atLeast(logits, Double.NEGATIVE_INFINITY);
    }
    int[] heap = new int[k]; // root = the worst id kept so far
    int size = 0;
    for (int id = 0; id < logits.length; id++) {
      if (size < k) {
        heap[size] = id;
        siftUp(heap, size++, logits);
      } else if (before(id, heap[0], logits)) {
        heap[0] = id;
        siftDown(heap, size, logits);
      }
    }
    return sort(heap, logits);
  }

  /** Whether {@code a} comes before {@code b} in the order. */
  static boolean before(int a, int b, double[] logits) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  }

  /**
   * Sorts by a packed (float32 key, id) long first, which is fast, then an insertion pass on the
   * exact double values, which only has to fix ids whose logits round to the same float.
   */
  private static int[] sort(int[] ids, double[] logits) {
    long[] packed = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      packed[i] = ((long) descendingKey((float) logits[ids[i]]) << 32) | ids[i];
    }
    Arrays.sort(packed);
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (int) packed[i];
    }
    for (int i = 1; i < ids.length; i++) {
      int id = ids[i];
      int j = i - 1;
      while (j >= 0 && before(id, ids[j], logits)) {
        ids[j + 1] = ids[j];
        j--;
      }
      ids[j + 1] = id;
    }
    return ids;
  }

  /** An int whose signed order is the descending order of the float. */
  private static int descendingKey(float value) {
    int bits = Float.floatToIntBits(value);
    int ascending = bits >= 0 ? bits : bits ^ 0x7fffffff;
    return ~ascending;
  }

  private static void siftUp(int[] heap, int index, double[] logits) {
    while (index > 0) {
      int parent = (index - 1) / 2;
      if (!before(heap[parent], heap[index], logits)) {
        return;
      }
      swap(heap, parent, index);
      index = parent;
    }
  }

  private static void siftDown(int[] heap, int size, double[] logits) {
    int index = 0;
    while (true) {
      int worst = index;
      for (int child = 2 * index + 1; child <= 2 * index + 2 && child < size; child++) {
        if (before(heap[worst], heap[child], logits)) {
          worst = child;
        }
      }
      if (worst == index) {
        return;
      }
      swap(heap, worst, index);
      index = worst;
    }
  }

  private static void swap(int[] heap, int a, int b) {
    int t = heap[a];
    heap[a] = heap[b];
    heap[b] = t;
  }
}
