package io.lckv.converter.reference;

import io.lckv.converter.golden.GoldenFixture;

/** Largest absolute difference between golden and computed logits. */
final class Deviation {

  private Deviation() {}

  static double max(float[][] expected, Logits actual) {
    if (expected.length != actual.positions()) {
      throw new AssertionError(expected.length + " golden rows, " + actual.positions() + " computed");
    }
    double worst = 0;
    for (int t = 0; t < expected.length; t++) {
      worst = Math.max(worst, max(expected[t], actual.row(t)));
    }
    return worst;
  }

  static double max(float[] expected, double[] actual) {
    if (expected.length != actual.length) {
      throw new AssertionError(expected.length + " golden logits, " + actual.length + " computed");
    }
    double worst = 0;
    for (int k = 0; k < expected.length; k++) {
      double difference = Math.abs(expected[k] - actual[k]);
      if (!(difference <= worst)) {
        worst = difference; // NaN, too, so that it cannot pass as agreement
      }
    }
    return worst;
  }

  /** One line per fixture and check in the test output: the figures the tolerance guards. */
  static void report(GoldenFixture fixture, String what, double worst) {
    System.out.printf("golden %-30s %-9s max |dlogit| %.3g%n", fixture.name(), what, worst);
  }
}
