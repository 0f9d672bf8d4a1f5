package io.lckv.converter.checkpoint;

import java.util.Arrays;

/** A tensor's dimensions, outermost first. Compared by value. */
public record Shape(long[] dims) {

  public Shape {
    dims = dims.clone();
    long count = 1;
    for (long d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
      }
      count = Math.multiplyExact(count, d);
    }
  }

  public static Shape of(long... dims) {
    return new Shape(dims);
  }

  @Override
  public long[] dims() {
    return dims.clone();
  }

  public int rank() {
    return dims.length;
  }

  public long dim(int axis) {
    return dims[axis];
  }

  public long elementCount() {
    long count = 1;
    for (long d : dims) {
      count *= d;
    }
    return count;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Shape shape && Arrays.equals(dims, shape.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  @Override
  public String toString() {
    return Arrays.toString(dims);
  }
}
