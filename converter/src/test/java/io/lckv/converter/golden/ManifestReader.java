package io.lckv.converter.golden;

import com.fasterxml.jackson.databind.JsonNode;
import io.lckv.converter.StrictJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Reads a fixture's {@code golden.json} and the tensors it names (layout: reference README). */
final class ManifestReader {

  private static final int FORMAT_VERSION = 1;

  private final JsonNode manifest;
  private final GoldenTensors tensors;

  private ManifestReader(JsonNode manifest, GoldenTensors tensors) {
    this.manifest = manifest;
    this.tensors = tensors;
  }

  static Golden read(GoldenFixture fixture) {
    JsonNode manifest = json(fixture.manifest());
    if (manifest.get("format_version").intValue() != FORMAT_VERSION) {
      throw new IllegalStateException(
          fixture.manifest() + ": format_version " + manifest.get("format_version")
              + ", this harness reads " + FORMAT_VERSION);
    }
    Path folder = fixture.manifest().getParent();
    var reader = new ManifestReader(
        manifest, GoldenTensors.read(folder.resolve(manifest.get("goldens").asText())));
    List<PromptGolden> prompts = reader.prompts();
    return new Golden(
        fixture,
        manifest.get("description").asText(),
        folder.resolve(manifest.get("checkpoint").asText()),
        reader.reading(),
        prompts,
        reader.greedy(manifest.get("decode"), prompts),
        Optional.ofNullable(manifest.get("streaming")).map(s -> new StreamingGolden(
            s.get("sinks").intValue(), s.get("window").intValue(), reader.greedy(s, prompts))));
  }

  static JsonNode json(Path file) {
    try {
      return StrictJson.parseObject(file, "the file", Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ReferenceReading reading() {
    var plan = new ArrayList<PlanGroup>();
    for (JsonNode group : manifest.get("iteration_plan")) {
      JsonNode layers = group.get("layers");
      plan.add(new PlanGroup(
          layers.get(0).intValue(), layers.get(1).intValue(), group.get("cyclic").booleanValue()));
    }
    JsonNode window = manifest.get("sliding_window");
    return new ReferenceReading(
        manifest.get("model_type").asText(),
        manifest.get("layer_types").asText(),
        ints(manifest.get("kv_layers")),
        manifest.get("force_nodiag").booleanValue(),
        window.isNull() ? OptionalInt.empty() : OptionalInt.of(window.intValue()),
        plan,
        manifest.get("forward_passes").intValue(),
        manifest.get("backward_passes").intValue(),
        manifest.get("M").intValue(),
        manifest.get("tie_word_embeddings").booleanValue(),
        manifest.get("stored_lm_head_ignored").booleanValue());
  }

  private List<PromptGolden> prompts() {
    var prompts = new ArrayList<PromptGolden>();
    for (JsonNode prompt : manifest.get("prompts")) {
      int[] ids = tensors.ids(prompt.get("ids").asText());
      if (ids.length != prompt.get("length").intValue()) {
        throw new IllegalStateException("prompt " + prompt.get("ids") + " is not of its length");
      }
      prompts.add(new PromptGolden(ids, mode(prompt.get("reference")), mode(prompt.get("exact"))));
    }
    return prompts;
  }

  private ModeGolden mode(JsonNode mode) {
    return new ModeGolden(mode.get("passes").intValue(), tensors.matrix(mode.get("logits").asText()));
  }

  private GreedyGolden greedy(JsonNode run, List<PromptGolden> prompts) {
    JsonNode prefill = run.get("prefill");
    if (!prefill.get("mode").asText().equals("exact")) {
      throw new IllegalStateException("greedy goldens prefill in exact mode, not " + prefill);
    }
    int promptLength = prefill.get("prompt_length").intValue();
    int[] promptIds = prompts.stream()
        .filter(p -> p.length() == promptLength)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no prompt of length " + promptLength))
        .ids();
    return new GreedyGolden(
        promptIds,
        tensors.ids(run.get("input_ids").asText()),
        tensors.matrix(run.get("logits").asText()),
        tensors.ids(run.get("next_ids").asText()),
        tensors.vector(run.get("margins").asText()));
  }

  private static List<Integer> ints(JsonNode array) {
    var values = new ArrayList<Integer>();
    array.forEach(v -> values.add(v.intValue()));
    return values;
  }
}
