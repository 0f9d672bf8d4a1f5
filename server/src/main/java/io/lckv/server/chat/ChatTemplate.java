package io.lckv.server.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import io.lckv.server.model.TokenizerConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns a conversation into prompt text with the model's Jinja {@code chat_template}, the way
 * transformers' {@code apply_chat_template} does: Jinja's {@code trim_blocks} and {@code
 * lstrip_blocks} on, variables
 * {@code messages}, {@code add_generation_prompt} (always true: the model answers next), {@code
 * bos_token} and {@code eos_token} where the model has them, and a {@code raise_exception}
 * function. Thread-safe.
 */
public final class ChatTemplate {

  /**
   * Used when the model ships no template (the embedded tiny model is a plain language model): one
   * {@code role: content} line per message, then {@code assistant:} for the model to continue.
   * No special tokens, so it suits a base model that never saw a chat format.
   */
  public static final String DEFAULT =
      "{% for message in messages %}{{ message.role }}: {{ message.content }}\n"
          + "{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";

  private final Jinjava jinjava;
  private final String source;
  private final Map<String, Object> specialTokens = new HashMap<>();

  /**
   * Jinja's {@code lstrip_blocks} removes the spaces and tabs before a block or comment tag only
   * when nothing else precedes it on its line; Jinjava's option removes them everywhere ({@code
   * "x. {% endfor %}"} would lose its space), so the source is stripped here instead.
   */
  private static final Pattern LSTRIP_BLOCKS = Pattern.compile("(?m)^[ \\t]+(?=\\{[%#])");

  private ChatTemplate(String source, TokenizerConfig config) {
    this.source = LSTRIP_BLOCKS.matcher(source).replaceAll("");
    this.jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).build());
    jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    config.bosToken().ifPresent(token -> specialTokens.put("bos_token", token));
    config.eosToken().ifPresent(token -> specialTokens.put("eos_token", token));
  }

  /**
   * The model's template, or {@link #DEFAULT}.
   *
   * @throws IllegalArgumentException when the template does not parse, so that a broken model
   *     folder fails at startup rather than on the first chat request
   */
  public static ChatTemplate of(TokenizerConfig config) {
    var template = new ChatTemplate(config.chatTemplate().orElse(DEFAULT), config);
    JinjavaInterpreter interpreter = template.jinjava.newInterpreter();
    interpreter.parse(template.source);
    String fatal = fatal(interpreter.getErrors());
    if (!fatal.isEmpty()) {
      throw new IllegalArgumentException("the chat template does not parse: " + fatal);
    }
    return template;
  }

  /**
   * @throws ConversationRejected when the template raises an exception about the conversation
   * @throws IllegalStateException when the template itself fails
   */
  public String render(List<ChatMessage> messages) {
    Map<String, Object> bindings = new HashMap<>(specialTokens);
    bindings.put(
        "messages",
        messages.stream().map(m -> Map.of("role", m.role(), "content", m.content())).toList());
    bindings.put("add_generation_prompt", true);
    RenderResult result = jinjava.renderForResult(source, bindings);
    for (TemplateError error : result.getErrors()) {
      for (Throwable cause = error.getException(); cause != null; cause = cause.getCause()) {
        if (cause instanceof Raised raised) {
          throw new ConversationRejected(raised.getMessage());
        }
      }
    }
    String fatal = fatal(result.getErrors());
    if (!fatal.isEmpty()) {
      throw new IllegalStateException("the chat template failed: " + fatal);
    }
    return result.getOutput();
  }

  /** Called by templates as {@code raise_exception(message)}; public for Jinjava. */
  public static String raiseException(String message) {
    throw new Raised(message);
  }

  private static String fatal(List<TemplateError> errors) {
    return errors.stream()
        .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)
        .map(TemplateError::getMessage)
        .collect(Collectors.joining("; "));
  }

  private static final class Raised extends RuntimeException {
    Raised(String message) {
      super(message);
    }
  }
}
