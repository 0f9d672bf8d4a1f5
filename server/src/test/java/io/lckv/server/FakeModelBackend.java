package io.lckv.server;

import io.lckv.engine.LetterTokenizer;
import io.lckv.engine.PagedFakeRunner;
import io.lckv.engine.kv.KvPoolGeometry;
import io.lckv.engine.runner.ModelSpec;
import io.lckv.server.model.LoadedModel;
import io.lckv.server.model.ModelBackend;
import io.lckv.server.model.ModelOptions;
import io.lckv.server.model.TokenizerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The engine's paged fake model behind the server's seam, enabled by {@link FakeModelProfile}.
 * Its pool is sized from {@code lckv.kv-cache-bytes} and {@code lckv.kv-block-size} the way a
 * real backend sizes it. One token per character of {@link PagedFakeRunner#ALPHABET}, so a prompt
 * of n characters is n tokens. The end token is off by default, so that every request runs to
 * max_tokens; tests that want it set {@link PagedFakeRunner#eosLogit} and put it back.
 */
@Alternative
@ApplicationScoped
public class FakeModelBackend implements ModelBackend {

  public static final int CONTEXT = 256;

  /** Uses only characters the letter tokenizer knows. */
  public static final String CHAT_TEMPLATE =
      "{% for m in messages %}{{ m.role }} says {{ m.content }}. {% endfor %}"
          + "{% if add_generation_prompt %}assistant says{% endif %}";

  @ConfigProperty(name = "fake-model.fail-steps", defaultValue = "false")
  boolean failSteps;

  private volatile PagedFakeRunner runner;

  @Override
  public LoadedModel open(ModelOptions options) {
    ModelSpec shape = PagedFakeRunner.spec(1, options.kvBlockSize(), CONTEXT, 4);
    KvPoolGeometry pool =
        KvPoolGeometry.forBudget(shape.kvFootprint(), options.kvCacheBytes(), options.kvBlockSize());
    runner = new PagedFakeRunner(PagedFakeRunner.spec(pool.blocks(), pool.blockSize(), CONTEXT, 4));
    runner.eosLogit(Float.NEGATIVE_INFINITY);
    if (failSteps) {
      runner.failWhen(batch -> true);
    }
    return new LoadedModel(
        runner, new LetterTokenizer(),
        new TokenizerConfig(Optional.of(CHAT_TEMPLATE), Optional.empty(), Optional.empty()),
        () -> {});
  }

  public PagedFakeRunner runner() {
    return runner;
  }

  /** Back to the state {@link #open} left: no end token, no delay, no failures. */
  public void reset() {
    runner.eosLogit(Float.NEGATIVE_INFINITY);
    runner.onStep(() -> {});
    runner.failWhen(batch -> failSteps);
  }
}
