package io.lckv.engine.model;

import io.lckv.engine.kv.KvFootprint;
import io.lckv.nativeops.PoolDtype;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lckv-prepack <model> --model-cache <dir>}: writes a converted model's packed weights into
 * a model cache ahead of the server ({@code PrepackedGraphCache}), so that no server start pays
 * for writing them, e.g. from the init container that converted the model. Exit 0 once the entry
 * is in the cache (written now or before), 1 when it is not (an unreadable model, a cache that
 * cannot be written), 2 for a wrong command line.
 */
@Command(
    name = "lckv-prepack",
    mixinStandardHelpOptions = true,
    description = "Keeps a converted model's weights as ONNX Runtime's CPU kernels pack them in a"
        + " model cache, where the server (lckv.model-cache) maps them from at start.")
public final class PrepackCommand implements Callable<Integer> {

  static final int EXIT_FAILED = 1;

  @Parameters(index = "0", paramLabel = "<model>", description = "converted model folder")
  Path model;

  @Option(names = "--model-cache", paramLabel = "<dir>", required = true,
      description = "the server's lckv.model-cache; the entry goes to its prepacked folder")
  Path modelCache;

  private final PrintStream out;

  PrepackCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    var device = ExecutionDevice.Cpu.keepingPackedWeightsIn(modelCache, 0);
    Path entry;
    try {
      ModelFolder folder = ModelFolder.open(model);
      entry = new PrepackedGraphCache(device.prepackedGraphs().orElseThrow()).entryFor(folder);
      // A pool of one block, the least the runner opens with: only the session matters here.
      long block = new KvFootprint(folder.numKvLayers(), folder.numKvHeads(), folder.headDim(), 2)
          .bytesPerToken() * RunnerOptions.DEFAULT_BLOCK_SIZE;
      var options = new RunnerOptions(device, block, RunnerOptions.DEFAULT_BLOCK_SIZE,
          PoolDtype.F16);
      OrtModelRunner.open(folder, options, out).close();
    } catch (ModelLoadException e) {
      out.println("lckv-prepack: " + e.getMessage());
      return EXIT_FAILED;
    }
    if (!Files.isDirectory(entry)) {
      out.println("lckv-prepack: the packed weights of " + model + " are not in " + modelCache);
      return EXIT_FAILED;
    }
    out.println("lckv-prepack: " + entry);
    return 0;
  }

  static int run(PrintStream out, String... args) {
    return new CommandLine(new PrepackCommand(out)).execute(args);
  }

  public static void main(String[] args) {
    System.exit(run(System.err, args));
  }
}
