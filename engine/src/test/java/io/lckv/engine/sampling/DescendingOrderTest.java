package io.lckv.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class DescendingOrderTest {

  @Test
  void logitsThatRoundToTheSameFloatStillSortExactly() {
    double a = 1.0;
    double b = Math.nextUp(1.0); // same float32 as 1.0
    double[] logits = {a, b, a, -3};
    assertArrayEquals(new int[] {1, 0, 2, 3}, DescendingOrder.atLeast(logits, Double.NEGATIVE_INFINITY));
    assertArrayEquals(new int[] {1, 0}, DescendingOrder.top(logits, 2));
  }

  @Test
  void negativeAndInfiniteValuesKeepTheirOrder() {
    double[] logits = {-1, Double.NEGATIVE_INFINITY, -0.5, 2, -1e30};
    assertArrayEquals(
        new int[] {3, 2, 0, 4, 1}, DescendingOrder.atLeast(logits, Double.NEGATIVE_INFINITY));
    assertArrayEquals(new int[] {3, 2, 0}, DescendingOrder.atLeast(logits, -1));
  }
}
