package io.lckv.engine.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import io.lckv.converter.graph.GraphIo;
import io.lckv.engine.kv.KvFootprint;
import io.lckv.engine.kv.KvPoolGeometry;
import io.lckv.engine.runner.ModelRunner;
import io.lckv.engine.runner.ModelSpec;
import io.lckv.engine.runner.RunnerException;
import io.lckv.engine.runner.SequenceLogits;
import io.lckv.engine.runner.SequenceStep;
import io.lckv.engine.runner.StepBatch;
import io.lckv.nativeops.KvPool;
import io.lckv.nativeops.KvPoolException;
import io.lckv.nativeops.OpLibrary;
import io.lckv.nativeops.PoolGeometry;
import io.lckv.nativeops.PoolStats;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runs a converted model with ONNX Runtime: one session with the lckv op library registered, and
 * the paged KV pool the graph's attention and commit ops read and write. The engine's block
 * tables index that pool directly, so a step moves only token ids, tables and logits between
 * Java and the graph; the cache itself never leaves the native pool.
 *
 * <p>StreamingLLM needs nothing here beyond the inputs: the ops lay a sequence's entries out as
 * {@link io.lckv.engine.kv.CacheView} does (sinks, recent offset) and, for a streaming sequence,
 * keep its keys without rope and rotate them at their current index when read, so an eviction the
 * engine did by dropping blocks needs no native call.
 */
public final class OrtModelRunner implements ModelRunner, AutoCloseable {

  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private final OrtSession session;
  private final KvPool pool;
  private final ModelSpec spec;

  private OrtModelRunner(OrtSession session, KvPool pool, ModelSpec spec) {
    this.session = session;
    this.pool = pool;
    this.spec = spec;
  }

  /** Opens the session and allocates the KV pool; what the open does goes to {@code log}. */
  public static OrtModelRunner open(ModelFolder model, RunnerOptions options, PrintStream log) {
    if (options.device() instanceof ExecutionDevice.Cuda && !OpLibrary.cudaAvailable()) {
      throw new ModelLoadException("device cuda: the lckv op library was built without CUDA");
    }
    OrtSession session = createSession(model, options.device(), log);
    KvPool pool = null;
    try {
      checkGraphIo(model, session);
      var geometry = new PoolGeometry(model.numKvLayers(), model.numKvHeads(), model.headDim(),
          options.blockSize());
      pool = KvPool.withBudget(geometry, options.kvBudgetBytes(), options.kvDtype(),
          options.device().poolDevice());
      var spec = new ModelSpec(
          model.vocabSize(),
          model.maxPositionEmbeddings(),
          model.maxPasses(),
          model.useSequential(),
          Set.copyOf(model.eosTokenIds()),
          new KvFootprint(model.numKvLayers(), model.numKvHeads(), model.headDim(),
              options.kvElementBytes()),
          new KvPoolGeometry(options.blockSize(), pool.stats().numBlocks()));
      return new OrtModelRunner(session, pool, spec);
    } catch (RuntimeException e) {
      if (pool != null) {
        pool.close();
      }
      closeQuietly(session);
      if (e instanceof KvPoolException || e instanceof IllegalArgumentException) {
        throw new ModelLoadException("KV pool of " + options.kvBudgetBytes() + " bytes for "
            + model.folder() + ": " + e.getMessage(), e);
      }
      throw e;
    }
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  /** Statistics of the native pool (allocated bytes, op call counts). */
  public PoolStats poolStats() {
    return pool.stats();
  }

  @Override
  public List<SequenceLogits> step(StepBatch batch) throws RunnerException {
    SequenceLogits[] results = new SequenceLogits[batch.sequences().size()];
    for (StepCall call : StepCall.split(batch)) {
      SequenceLogits[] logits = run(call);
      for (int s = 0; s < call.batch(); s++) {
        results[call.batchIndices().get(s)] = logits[s];
      }
    }
    return List.of(results);
  }

  private SequenceLogits[] run(StepCall call) throws RunnerException {
    Set<String> fetch = new HashSet<>(List.of(GraphIo.LOGITS, GraphIo.NEW_LENS));
    if (call.allRows()) {
      fetch.add(GraphIo.LOGITS_ALL);
    }
    Map<String, OnnxTensor> feeds = null;
    try {
      feeds = call.feeds(ENV, pool.handle());
      try (OrtSession.Result result = session.run(feeds, fetch)) {
        checkNewLengths(call, tensor(result, GraphIo.NEW_LENS).getIntBuffer());
        return call.allRows()
            ? rows(call, tensor(result, GraphIo.LOGITS_ALL).getFloatBuffer(), call.newTokens())
            : rows(call, tensor(result, GraphIo.LOGITS).getFloatBuffer(), 1);
      }
    } catch (OrtException e) {
      throw new RunnerException("ONNX Runtime failed a step of " + call.batch() + " sequence(s) x "
          + call.newTokens() + " token(s): " + e.getMessage(), e);
    } finally {
      if (feeds != null) {
        feeds.values().forEach(OnnxTensor::close);
      }
    }
  }

  private SequenceLogits[] rows(StepCall call, FloatBuffer values, int rowsPerSequence)
      throws RunnerException {
    int vocab = spec.vocabSize();
    if (values.remaining() != (long) call.batch() * rowsPerSequence * vocab) {
      throw new RunnerException("the graph returned " + values.remaining() + " logits, expected "
          + call.batch() + " x " + rowsPerSequence + " x " + vocab);
    }
    SequenceLogits[] out = new SequenceLogits[call.batch()];
    for (int s = 0; s < call.batch(); s++) {
      float[][] rows = new float[rowsPerSequence][vocab];
      for (float[] row : rows) {
        values.get(row);
      }
      out[s] = new SequenceLogits(rows);
    }
    return out;
  }

  /** The commit ops' own account of the lengths; a mismatch means the cache is not what we think. */
  private static void checkNewLengths(StepCall call, IntBuffer newLens) throws RunnerException {
    int[] before = call.cacheLengths();
    for (int s = 0; s < before.length; s++) {
      int got = newLens.get(s);
      if (got != before[s] + call.newTokens()) {
        throw new RunnerException("sequence " + call.sequences().get(s).sequenceId()
            + ": the graph committed up to " + got + ", expected " + (before[s]
            + call.newTokens()));
      }
    }
  }

  private static OnnxTensor tensor(OrtSession.Result result, String name) throws RunnerException {
    return (OnnxTensor) result.get(name)
        .orElseThrow(() -> new RunnerException("the graph has no output " + name));
  }

  private static OrtSession createSession(ModelFolder model, ExecutionDevice device,
      PrintStream log) {
    PrepackedGraphCache.SessionSetup setup = () -> sessionOptions(device);
    try {
      if (device instanceof ExecutionDevice.Cpu cpu && cpu.prepackedGraphs().isPresent()) {
        return new PrepackedGraphCache(cpu.prepackedGraphs().get()).open(model, setup, log);
      }
      try (var options = setup.create()) {
        return ENV.createSession(model.modelFile().toString(), options);
      }
    } catch (OrtException e) {
      throw new ModelLoadException(model.modelFile() + ": ONNX Runtime cannot load the graph: "
          + e.getMessage(), e);
    }
  }

  private static OrtSession.SessionOptions sessionOptions(ExecutionDevice device)
      throws OrtException {
    var options = new OrtSession.SessionOptions();
    try {
      OpLibrary.registerWith(options);
      switch (device) {
        case ExecutionDevice.Cpu cpu -> options.setIntraOpNumThreads(cpu.intraOpThreads());
        case ExecutionDevice.Cuda cuda -> addCuda(options, cuda);
      }
      return options;
    } catch (OrtException | RuntimeException e) {
      options.close();
      throw e;
    }
  }

  private static void addCuda(OrtSession.SessionOptions options, ExecutionDevice.Cuda cuda) {
    try (var cudaOptions = new OrtCUDAProviderOptions(cuda.deviceId())) {
      if (cuda.memoryLimitBytes() > 0) {
        cudaOptions.add("gpu_mem_limit", Long.toString(cuda.memoryLimitBytes()));
      }
      options.addCUDA(cudaOptions);
    } catch (OrtException | RuntimeException e) {
      throw new ModelLoadException("device cuda:" + cuda.deviceId()
          + ": ONNX Runtime's CUDA execution provider is not available (" + e.getMessage()
          + "); run with ONNX Runtime's GPU natives (-Donnxruntime.native.path=...) and the CUDA"
          + " 13 / cuDNN 9 libraries on the library path", e);
    }
  }

  /** The graph must take exactly what this runner feeds and give what it fetches. */
  private static void checkGraphIo(ModelFolder model, OrtSession session) {
    Set<String> expected = new TreeSet<>();
    GraphIo.inputs().forEach(spec -> expected.add(spec.name()));
    Set<String> actual = new TreeSet<>(session.getInputNames());
    if (!actual.equals(expected)) {
      throw new ModelLoadException(model.modelFile() + ": graph inputs " + actual
          + " are not the ones this engine feeds, " + expected
          + "; convert the checkpoint again with this release");
    }
    Set<String> outputs = session.getOutputNames();
    for (String name : List.of(GraphIo.LOGITS, GraphIo.LOGITS_ALL, GraphIo.NEW_LENS)) {
      if (!outputs.contains(name)) {
        throw new ModelLoadException(model.modelFile() + ": the graph has no output " + name);
      }
    }
  }

  private static void closeQuietly(OrtSession session) {
    try {
      session.close();
    } catch (OrtException e) {
      // Already failing to open; the original error is the one to report.
    }
  }

  /** Closes the session, then frees the pool; the engine must have stopped calling step. */
  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("closing the ONNX Runtime session failed", e);
    } finally {
      pool.close();
    }
  }
}
