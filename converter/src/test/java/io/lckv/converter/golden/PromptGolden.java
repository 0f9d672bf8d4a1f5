package io.lckv.converter.golden;

/** A prompt and its logits at every position in both modes. */
public record PromptGolden(int[] ids, ModeGolden reference, ModeGolden exact) {

  public int length() {
    return ids.length;
  }

  public ModeGolden in(GoldenMode mode) {
    return switch (mode) {
      case REFERENCE -> reference;
      case EXACT -> exact;
    };
  }
}
