package io.lckv.converter.config;

import java.util.Arrays;
import java.util.Optional;

/** The {@code model_type} values a checkpoint may declare (spec §1, §6). */
public enum ModelType {
  LCKV_LLAMA("lckv-llama"),
  /** A plain Llama: every layer reads its own KV. */
  LLAMA("llama"),
  /** The paper's first code; mapped to the current form on reading (spec §6). */
  OPT_LLAMA("opt-llama");

  private final String configName;

  ModelType(String configName) {
    this.configName = configName;
  }

  /** The value as config.json spells it. */
  public String configName() {
    return configName;
  }

  static Optional<ModelType> fromConfigName(String name) {
    return Arrays.stream(values()).filter(t -> t.configName.equals(name)).findFirst();
  }
}
