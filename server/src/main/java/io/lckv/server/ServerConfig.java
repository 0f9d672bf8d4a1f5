package io.lckv.server;

import io.lckv.server.model.Device;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Service settings under {@code lckv.*}. Every key can also be set by environment variable, the
 * key upper-cased with dots and dashes as underscores ({@code lckv.max-batch} is {@code
 * LCKV_MAX_BATCH}); server/README.md lists them all.
 */
@ConfigMapping(prefix = "lckv")
public interface ServerConfig {

  /** Model folder to serve; the default is the tiny model embedded in the repository. */
  @WithDefault("models/lckv-tiny-w2")
  Path modelPath();

  /** The name clients pass as {@code model}; the model folder's name when unset. */
  Optional<String> servedModelName();

  /** Where the model runs. */
  @WithDefault("cpu")
  Device device();

  /**
   * Where a Hugging Face checkpoint given as {@code model-path} is converted to, once; entries are
   * keyed by the checkpoint's content, so the folder may be shared and kept across restarts.
   */
  @WithDefault("${user.home}/.cache/lckv-serve/models")
  Path modelCache();

  /**
   * On the CPU, keep each model's graph with ONNX Runtime's packed weights under {@code
   * model-cache}/prepacked, so that later starts map the packed weights from that file instead of
   * packing them onto the heap (engine {@code PrepackedGraphCache}).
   */
  @WithDefault("true")
  boolean keepPrepackedWeights();

  /**
   * ONNX Runtime threads per model step on the CPU; unset, the processors the JVM sees (which
   * follows a container's CPU limit, unlike ONNX Runtime's own default).
   */
  OptionalInt cpuThreads();

  /** Bytes of KV cache the pool is sized to (whole blocks only). */
  @WithDefault("268435456")
  long kvCacheBytes();

  /** Token slots per KV block. */
  @WithDefault("16")
  int kvBlockSize();

  /** Most requests generating at once. */
  @WithDefault("64")
  int maxBatch();

  /** Most requests queued behind a full batch; beyond it a request gets 429. */
  @WithDefault("256")
  int maxWaiting();

  /** Most new tokens one model step runs (prompt chunks plus one per decoding request). */
  @WithDefault("2048")
  int maxTokensPerStep();

  /**
   * Longest prompt prefilled in reference mode as one step, even past {@code
   * max-tokens-per-step}; longer prompts are prefilled in exact mode.
   */
  @WithDefault("2048")
  int maxReferenceSpanTokens();

  /** Largest request body accepted; a larger one gets 413. */
  @WithDefault("1048576")
  int maxBodyBytes();

  /** Longest prompt accepted, in tokens; unset, only the model's context limits it. */
  OptionalInt maxPromptTokens();

  /** When set, every {@code /v1} request must carry {@code Authorization: Bearer <key>}. */
  Optional<String> apiKey();

  /**
   * How long requests in flight may run on after SIGTERM before they are cancelled; the pod's
   * termination grace period must exceed it (k8s/README.md).
   */
  @WithDefault("30s")
  Duration drainTimeout();

  /** The name the API serves the model under. */
  default String modelName() {
    return servedModelName()
        .orElseGet(() -> modelPath().toAbsolutePath().normalize().getFileName().toString());
  }
}
