package io.lckv.server;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The server over {@link FakeModelBackend}: a 256-block pool of 4 tokens, batches of 8. */
public class FakeModelProfile implements QuarkusTestProfile {

  public static final String MODEL = "fake-model";
  public static final int MAX_PROMPT_TOKENS = 200;

  private static final Map<String, String> CONFIG =
      Map.of(
          "lckv.served-model-name", MODEL,
          // 256 blocks of 4 tokens at the fake model's 3072 bytes per token.
          "lckv.kv-cache-bytes", String.valueOf(256 * 4 * 3072),
          "lckv.kv-block-size", "4",
          "lckv.max-batch", "8",
          "lckv.max-waiting", "64",
          "lckv.max-tokens-per-step", "64",
          "lckv.max-body-bytes", "65536",
          "lckv.max-prompt-tokens", String.valueOf(MAX_PROMPT_TOKENS));

  @Override
  public Set<Class<?>> getEnabledAlternatives() {
    return Set.of(FakeModelBackend.class);
  }

  @Override
  public Map<String, String> getConfigOverrides() {
    return CONFIG;
  }

  /** This configuration with {@code changes} over it: what the profiles varying it return. */
  protected static Map<String, String> configWith(Map<String, String> changes) {
    Map<String, String> config = new HashMap<>(CONFIG);
    config.putAll(changes);
    return config;
  }
}
