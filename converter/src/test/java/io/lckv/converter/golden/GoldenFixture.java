package io.lckv.converter.golden;

import java.nio.file.Path;

/**
 * One fixture as {@code index.json} lists it; {@link #load()} reads its manifest and goldens.
 *
 * @param dtype of the stored weights: float32, float16 or bfloat16
 * @param format safetensors, safetensors-sharded, bin or bin-sharded
 * @param manifest its {@code golden.json}
 */
public record GoldenFixture(String name, String family, String dtype, String format,
    Path manifest) {

  public Golden load() {
    return ManifestReader.read(this);
  }

  /** The name alone, for parameterized test names. */
  @Override
  public String toString() {
    return name;
  }
}
