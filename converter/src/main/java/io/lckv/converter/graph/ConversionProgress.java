package io.lckv.converter.graph;

import java.io.PrintStream;

/** Progress of the long steps, for a person watching stderr. */
public interface ConversionProgress {

  /** Checkpoint tensor {@code name} is converted; the data file is now {@code dataBytes} long. */
  void weightWritten(String name, long dataBytes);

  ConversionProgress SILENT = (name, dataBytes) -> {};

  /** One line per weight: "weight 12/57 model.layers.3.mlp.up_proj.weight (41.5 MiB written)". */
  static ConversionProgress printingTo(PrintStream out, int weights) {
    return new ConversionProgress() {
      private int n;

      @Override
      public void weightWritten(String name, long dataBytes) {
        n++;
        out.printf("lckv-convert: weight %d/%d %s (%.1f MiB written)%n",
            n, weights, name, dataBytes / 1048576.0);
      }
    };
  }
}
