package io.lckv.server.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the server reads from a Hugging Face {@code tokenizer_config.json}: the chat template and
 * the special tokens a template may refer to.
 *
 * @param chatTemplate Jinja source; empty when the model has none (the server then uses {@link
 *     io.lckv.server.chat.ChatTemplate#DEFAULT})
 */
public record TokenizerConfig(
    Optional<String> chatTemplate, Optional<String> bosToken, Optional<String> eosToken) {

  public static final TokenizerConfig NONE =
      new TokenizerConfig(Optional.empty(), Optional.empty(), Optional.empty());

  /**
   * Reads {@code tokenizer_config.json} in a model folder, where transformers writes it. Newer
   * transformers save the template beside it as {@code chat_template.jinja}, which is read when
   * the JSON has none. A folder with neither file has no template and no special tokens.
   */
  public static TokenizerConfig read(Path modelFolder) throws IOException {
    Path json = modelFolder.resolve("tokenizer_config.json");
    JsonNode root =
        Files.exists(json)
            ? new ObjectMapper().readTree(json.toFile())
            : new ObjectMapper().createObjectNode();
    Optional<String> template = template(root.path("chat_template"));
    Path jinja = modelFolder.resolve("chat_template.jinja");
    if (template.isEmpty() && Files.exists(jinja)) {
      template = Optional.of(Files.readString(jinja));
    }
    return new TokenizerConfig(
        template, token(root.path("bos_token")), token(root.path("eos_token")));
  }

  /** A string, or a list of named templates of which the one called "default" is used. */
  private static Optional<String> template(JsonNode node) {
    if (node.isTextual()) {
      return Optional.of(node.asText());
    }
    for (JsonNode named : node) {
      if ("default".equals(named.path("name").asText())) {
        return Optional.of(named.path("template").asText());
      }
    }
    return Optional.empty();
  }

  /** A plain string, or an AddedToken object whose {@code content} is the token's text. */
  private static Optional<String> token(JsonNode node) {
    if (node.isTextual()) {
      return Optional.of(node.asText());
    }
    return node.path("content").isTextual()
        ? Optional.of(node.path("content").asText())
        : Optional.empty();
  }
}
