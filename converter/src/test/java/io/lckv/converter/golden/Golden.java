package io.lckv.converter.golden;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything a fixture holds: its checkpoint folder, how the Python reference read it, and the
 * reference's numbers.
 *
 * @param checkpoint a Hugging Face model folder
 * @param prompts one per length 1, 5, M, M+1 and 33 (deduplicated, ascending)
 * @param decode 16 greedy steps after an exact prefill of the 5-token prompt
 * @param streaming the same run with StreamingLLM, for the fixtures that have one
 */
public record Golden(
    GoldenFixture fixture,
    String description,
    Path checkpoint,
    ReferenceReading reading,
    List<PromptGolden> prompts,
    GreedyGolden decode,
    Optional<StreamingGolden> streaming) {

  public Golden {
    prompts = List.copyOf(prompts);
  }
}
