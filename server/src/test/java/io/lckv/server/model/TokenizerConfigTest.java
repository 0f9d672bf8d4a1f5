package io.lckv.server.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerConfigTest {

  @TempDir Path folder;

  private TokenizerConfig read(String json) throws IOException {
    Files.writeString(folder.resolve("tokenizer_config.json"), json);
    return TokenizerConfig.read(folder);
  }

  @Test
  void theEmbeddedTinyModelHasSpecialTokensButNoTemplate() throws IOException {
    var config = TokenizerConfig.read(Path.of("../models/lckv-tiny-w2"));
    assertEquals(
        new TokenizerConfig(Optional.empty(), Optional.of("<|endoftext|>"), Optional.of("<|endoftext|>")),
        config);
  }

  @Test
  void aTemplateStringAndAddedTokenObjects() throws IOException {
    var config =
        read(
            "{\"chat_template\": \"{{ messages }}\", \"bos_token\": {\"__type\": \"AddedToken\","
                + " \"content\": \"<s>\"}, \"eos_token\": \"</s>\"}");
    assertEquals(
        new TokenizerConfig(Optional.of("{{ messages }}"), Optional.of("<s>"), Optional.of("</s>")),
        config);
  }

  @Test
  void ofNamedTemplatesTheDefaultOne() throws IOException {
    var config =
        read(
            "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"},"
                + " {\"name\": \"default\", \"template\": \"D\"}], \"eos_token\": null}");
    assertEquals(new TokenizerConfig(Optional.of("D"), Optional.empty(), Optional.empty()), config);
  }

  @Test
  void aTemplateFileBesideTheConfigIsReadWhenTheConfigHasNone() throws IOException {
    Files.writeString(folder.resolve("chat_template.jinja"), "J");
    assertEquals(Optional.of("J"), read("{}").chatTemplate());
    assertEquals(Optional.of("C"), read("{\"chat_template\": \"C\"}").chatTemplate());
  }

  @Test
  void aFolderWithoutTheFilesHasNothing() throws IOException {
    assertEquals(TokenizerConfig.NONE, TokenizerConfig.read(folder));
  }
}
