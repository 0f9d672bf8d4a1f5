package io.lckv.engine.model;

import java.nio.file.Path;
import java.util.Optional;

/** Where ONNX Runtime runs the graph, and so where the KV pool lives. */
public sealed interface ExecutionDevice {

  /** The pool's device in the op library's terms: host memory or a CUDA device id. */
  int poolDevice();

  /**
   * ONNX Runtime's CPU execution provider.
   *
   * @param intraOpThreads threads one run may use; 0 lets ONNX Runtime pick (one per core)
   * @param prepackedGraphs where the graphs with packed weights are kept (see {@code
   *     PrepackedGraphCache}); empty, the weights are packed in memory at every open
   */
  record Cpu(int intraOpThreads, Optional<Path> prepackedGraphs) implements ExecutionDevice {

    public Cpu {
      if (intraOpThreads < 0) {
        throw new IllegalArgumentException("intraOpThreads cannot be negative: " + intraOpThreads);
      }
    }

    /** No prepacked-graph cache. */
    public Cpu(int intraOpThreads) {
      this(intraOpThreads, Optional.empty());
    }

    /**
     * Keeps the packed weights in {@code modelCache}'s {@code prepacked} folder: where the server
     * keeps them for its {@code lckv.model-cache}, and where {@code PrepackCommand} writes them.
     */
    public static Cpu keepingPackedWeightsIn(Path modelCache, int intraOpThreads) {
      return new Cpu(intraOpThreads, Optional.of(modelCache.resolve("prepacked")));
    }

    @Override
    public int poolDevice() {
      return io.lckv.nativeops.KvPool.HOST;
    }
  }

  /**
   * ONNX Runtime's CUDA execution provider on one GPU.
   *
   * @param deviceId the CUDA device
   * @param memoryLimitBytes cap on ONNX Runtime's own device arena (activations, weights); 0 for
   *     none. The KV pool is allocated separately, from the runner's KV budget.
   */
  record Cuda(int deviceId, long memoryLimitBytes) implements ExecutionDevice {

    public Cuda {
      if (deviceId < 0) {
        throw new IllegalArgumentException("deviceId cannot be negative: " + deviceId);
      }
      if (memoryLimitBytes < 0) {
        throw new IllegalArgumentException(
            "memoryLimitBytes cannot be negative: " + memoryLimitBytes);
      }
    }

    @Override
    public int poolDevice() {
      return deviceId;
    }
  }
}
