package io.lckv.server.model;

import io.lckv.engine.runner.ModelRunner;
import io.lckv.engine.text.Tokenizer;

/**
 * An opened model, owned by the server from here on: it closes it at shutdown, after the engine.
 *
 * @param runner the forward step over the KV pool; its spec carries the end-of-sequence ids
 * @param tokenizer the model's tokenizer
 * @param tokenizerConfig chat template and special tokens from {@code tokenizer_config.json}
 * @param resources what else to close (an ORT session, the native pool), after the tokenizer
 */
public record LoadedModel(
    ModelRunner runner, Tokenizer tokenizer, TokenizerConfig tokenizerConfig,
    AutoCloseable resources) {

  public void close() throws Exception {
    try (resources) {
      tokenizer.close();
    }
  }
}
