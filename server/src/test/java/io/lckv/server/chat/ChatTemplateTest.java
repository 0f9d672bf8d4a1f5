package io.lckv.server.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.server.model.TokenizerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Expected texts come from Python's jinja2 3.1 with transformers' settings (trim_blocks and
 * lstrip_blocks), rendering the same template and messages.
 */
class ChatTemplateTest {

  private static final List<ChatMessage> CONVERSATION =
      List.of(
          new ChatMessage("system", " Be brief. "),
          new ChatMessage("user", "Hi"),
          new ChatMessage("assistant", "Hello."),
          new ChatMessage("user", "Bye"));

  private static ChatTemplate template(String source) {
    return ChatTemplate.of(
        new TokenizerConfig(Optional.of(source), Optional.of("<s>"), Optional.of("</s>")));
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = ChatTemplateTest.class.getResourceAsStream("/chat/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void withoutATemplateEachMessageIsALineAndTheAssistantIsNext() {
    var template = ChatTemplate.of(TokenizerConfig.NONE);
    assertEquals(
        "system:  Be brief. \nuser: Hi\nassistant: Hello.\nuser: Bye\nassistant:",
        template.render(CONVERSATION));
  }

  @Test
  void aHuggingFaceStyleTemplateRendersAsJinjaDoes() throws IOException {
    // namespace(), list slices, the trim filter, special tokens, and indented block tags.
    var template = template(resource("alternating.jinja"));
    assertEquals(
        "<s><|system|>Be brief.</s>\n    <|user|>\n    Hi</s>\n    <|assistant|>\n    Hello.</s>\n"
            + "    <|user|>\n    Bye</s>\n<|assistant|>\n",
        template.render(CONVERSATION));
  }

  @Test
  void blockTagsLoseLeadingWhitespaceOnlyAtTheStartOfALine() {
    var template =
        template(
            "{% for m in messages %}{{ m.role }}. {% endfor %}end\n  {% if true %}\n"
                + "X  {% endif %}\nY\n\t{# note #}\nZ  {{ 1 }}");
    assertEquals(
        "system. user. assistant. user. end\nX  Y\nZ  1", template.render(CONVERSATION));
  }

  @Test
  void raiseExceptionRejectsTheConversationWithTheTemplatesMessage() throws IOException {
    var template = template(resource("alternating.jinja"));
    var rejected =
        assertThrows(
            ConversationRejected.class,
            () -> template.render(List.of(new ChatMessage("assistant", "first"))));
    assertEquals(
        "Conversation roles must alternate user/assistant/user/assistant/...",
        rejected.getMessage());
  }

  @Test
  void aTemplateThatDoesNotParseFailsAtLoad() {
    var broken =
        assertThrows(
            IllegalArgumentException.class,
            () -> template("{% for m in messages %}{{ m.content }}"));
    assertTrue(broken.getMessage().startsWith("the chat template does not parse"), broken.getMessage());
    assertThrows(IllegalArgumentException.class, () -> template("{% generation %}x{% endgeneration %}"));
  }

  @Test
  void aTemplateThatFailsWhileRenderingIsTheServersFault() {
    // transformers offers strftime_now; this server does not.
    var template = template("{{ strftime_now('%d %b %Y') }}");
    var failed = assertThrows(IllegalStateException.class, () -> template.render(CONVERSATION));
    assertTrue(failed.getMessage().startsWith("the chat template failed"), failed.getMessage());
  }
}
