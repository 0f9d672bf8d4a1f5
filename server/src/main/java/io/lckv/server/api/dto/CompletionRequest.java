package io.lckv.server.api.dto;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * {@code POST /v1/completions}. Fields OpenAI defines but this server cannot honour ({@code n} or
 * {@code best_of} above 1, {@code echo}, {@code suffix}, {@code logit_bias}) are read so that a
 * request using them is refused rather than silently answered differently.
 *
 * @param prompt a string, a list of token ids, or a list holding one of those
 * @param logprobs how many alternatives to report per token (0 reports only the chosen one)
 * @param prefill LCKV extension: {@code reference} (default) or {@code exact} prefill (spec §4)
 */
public record CompletionRequest(
    String model,
    @Schema(
            description = "a string, a list of token ids, or a list holding one of those",
            oneOf = {String.class, int[].class, String[].class, int[][].class})
        JsonNode prompt,
    Integer maxTokens,
    Double temperature,
    Double topP,
    Integer topK,
    Double minP,
    Double presencePenalty,
    Double frequencyPenalty,
    Double repetitionPenalty,
    Long seed,
    @Schema(description = "a string or a list of strings", oneOf = {String.class, String[].class})
        JsonNode stop,
    Integer logprobs,
    Boolean stream,
    StreamOptions streamOptions,
    Integer n,
    Integer bestOf,
    Boolean echo,
    String suffix,
    @Schema(type = SchemaType.OBJECT, description = "refused unless empty") JsonNode logitBias,
    String prefill,
    StreamingLlm streaming)
    implements GenerationFields {}
