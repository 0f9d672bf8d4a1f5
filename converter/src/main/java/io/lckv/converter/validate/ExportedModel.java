package io.lckv.converter.validate;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import io.lckv.converter.StrictJson;
import io.lckv.converter.output.RuntimeConfig;
import io.lckv.converter.reference.StreamingLlm;
import io.lckv.nativeops.KvPool;
import io.lckv.nativeops.OpLibrary;
import io.lckv.nativeops.PoolDtype;
import io.lckv.nativeops.PoolGeometry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A converted model folder opened with ONNX Runtime's CPU EP and the lckv op library, as the
 * engine would open it, for checking conversions: single sequences on a private KvPool.
 */
public final class ExportedModel implements AutoCloseable {

  static final int BLOCK_SIZE = 16;
  /**
   * Small blocks for StreamingLLM sequences, so that even a short stream drops blocks and wraps
   * its recent offset: every step of the engine's layout gets exercised.
   */
  static final int STREAMING_BLOCK_SIZE = 4;

  private final OrtSession session;
  private final int vocab;
  private final int kvLayers;
  private final int kvHeads;
  private final int headDim;

  private ExportedModel(OrtSession session, JsonNode config) {
    this.session = session;
    this.vocab = config.at("/dimensions/vocab_size").intValue();
    this.kvLayers = config.get("kv_layers").size();
    this.kvHeads = config.at("/dimensions/num_key_value_heads").intValue();
    this.headDim = config.at("/dimensions/head_dim").intValue();
  }

  public static ExportedModel open(Path folder) throws OrtException {
    Path configFile = folder.resolve(RuntimeConfig.FILE_NAME);
    JsonNode config;
    try {
      config = StrictJson.parseObject(configFile, "the runtime config",
          Files.readAllBytes(configFile));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + configFile, e);
    }
    try (var options = new OrtSession.SessionOptions()) {
      OpLibrary.registerWith(options);
      options.setIntraOpNumThreads(1);
      return new ExportedModel(OrtEnvironment.getEnvironment().createSession(
          folder.resolve(config.at("/files/model").textValue()).toString(), options), config);
    }
  }

  /** A new empty sequence with room for {@code capacity} tokens in a pool of its own. */
  public ExportedSequence newSequence(int capacity, PoolDtype dtype) {
    return new ExportedSequence(session, pool(Math.ceilDiv(capacity, BLOCK_SIZE), BLOCK_SIZE, dtype),
        vocab, Optional.empty());
  }

  /**
   * A new empty StreamingLLM sequence (spec §5), which may run for ever in the blocks its window
   * needs.
   */
  public ExportedSequence newStreamingSequence(StreamingLlm streaming, PoolDtype dtype) {
    int blocks = ExportedSequence.streamingBlocks(streaming, STREAMING_BLOCK_SIZE);
    return new ExportedSequence(session, pool(blocks, STREAMING_BLOCK_SIZE, dtype), vocab,
        Optional.of(streaming));
  }

  private KvPool pool(int blocks, int blockSize, PoolDtype dtype) {
    return KvPool.create(new PoolGeometry(kvLayers, kvHeads, headDim, blockSize), blocks, dtype,
        KvPool.HOST);
  }

  public int vocab() {
    return vocab;
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
