package io.lckv.converter.reference;

/** The output of one call: a row of {@code vocab_size} logits per new position. */
public final class Logits {

  private final double[][] rows;

  Logits(double[][] rows) {
    this.rows = rows;
  }

  public int positions() {
    return rows.length;
  }

  /** A copy: the caller may keep or change it. */
  public double[] row(int position) {
    return rows[position].clone();
  }

  /** The greedy choice at {@code position}; the lowest id among equal maxima, as torch picks. */
  public int argmax(int position) {
    double[] row = rows[position];
    int best = 0;
    for (int id = 1; id < row.length; id++) {
      if (row[id] > row[best]) {
        best = id;
      }
    }
    return best;
  }
}
