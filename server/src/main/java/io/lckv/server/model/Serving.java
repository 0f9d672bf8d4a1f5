package io.lckv.server.model;

import io.lckv.engine.Engine;
import io.lckv.engine.text.Tokenizer;
import io.lckv.server.chat.ChatTemplate;
import java.time.Instant;

/**
 * The model as the API serves it, once loaded and warmed up.
 *
 * @param name what clients pass as {@code model}
 * @param readySince when it became ready ({@code created} in {@code /v1/models})
 */
public record Serving(
    String name, Engine engine, Tokenizer tokenizer, ChatTemplate chatTemplate,
    Instant readySince) {}
