package io.lckv.server.model;

import io.lckv.converter.graph.WeightFormat;
import io.lckv.engine.model.ExecutionDevice;
import io.lckv.engine.model.RunnerOptions;
import io.lckv.nativeops.PoolDtype;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.PrintStream;

/**
 * The production backend: the engine's ONNX Runtime runner over a converted model folder, or
 * over a Hugging Face checkpoint converted once into {@code lckv.model-cache}. The KV cache is
 * float16; a conversion's weights are float16 for CUDA and float32 for the CPU, where the packed
 * weights are kept in the cache too, unless {@code lckv.keep-prepacked-weights} is off.
 */
@ApplicationScoped
public class OrtModelBackend implements ModelBackend {

  @Override
  public LoadedModel open(ModelOptions options) throws Exception {
    var engineOptions = new io.lckv.engine.model.OrtModel.Options(options.cacheDirectory(),
        weightFormat(options.device()),
        new RunnerOptions(device(options), options.kvCacheBytes(), options.kvBlockSize(),
            PoolDtype.F16));
    // Conversion progress goes to the process log: it is the one slow step of a first start.
    var model = io.lckv.engine.model.OrtModel.open(options.path(), engineOptions,
        new PrintStream(System.out, true));
    try {
      return new LoadedModel(model.runner(), model.tokenizer(),
          TokenizerConfig.read(model.folder().folder()), model.runner());
    } catch (Exception | Error e) {
      model.close();
      throw e;
    }
  }

  /** On the CPU, with the packed weights kept in the model cache unless that is turned off. */
  static ExecutionDevice device(ModelOptions options) {
    return switch (options.device()) {
      case CPU -> options.keepPrepackedWeights()
          ? ExecutionDevice.Cpu.keepingPackedWeightsIn(options.cacheDirectory(),
              options.cpuThreads())
          : new ExecutionDevice.Cpu(options.cpuThreads());
      case CUDA -> new ExecutionDevice.Cuda(0, 0);
    };
  }

  /**
   * The CPU provider computes in float32 either way: it widens float16 weights when it creates
   * the session, which made a 1.1B-shape model open in 15 s instead of 9 s for the same weights
   * stored as float32, in no more memory (docs/benchmarks.md, "Model load against model size").
   * On CUDA float16 halves the weights' memory and bandwidth.
   */
  static WeightFormat weightFormat(Device device) {
    return switch (device) {
      case CPU -> WeightFormat.FP32;
      case CUDA -> WeightFormat.FP16;
    };
  }
}
