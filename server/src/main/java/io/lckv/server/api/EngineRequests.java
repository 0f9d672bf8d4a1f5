package io.lckv.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lckv.engine.kv.StreamingWindow;
import io.lckv.engine.runner.PrefillMode;
import io.lckv.engine.sampling.SamplingParams;
import io.lckv.server.api.dto.SamplingFields;
import io.lckv.server.api.dto.StreamOptions;
import io.lckv.server.api.dto.StreamingLlm;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Translates API parameters into the engine's, one to one. Ranges are the engine's to check
 * ({@link io.lckv.engine.InvalidParameterException} names the parameter); here only the JSON
 * shapes OpenAI allows are unpacked, and features this server lacks are refused.
 */
final class EngineRequests {

  private EngineRequests() {}

  /** The sampling parameters the client set; max_tokens and logprobs are the caller's. */
  static SamplingParams.Builder sampling(SamplingFields fields) {
    var builder = SamplingParams.builder();
    if (fields.temperature() != null) {
      builder.temperature(fields.temperature());
    }
    if (fields.topP() != null) {
      builder.topP(fields.topP());
    }
    if (fields.topK() != null) {
      builder.topK(fields.topK());
    }
    if (fields.minP() != null) {
      builder.minP(fields.minP());
    }
    if (fields.presencePenalty() != null) {
      builder.presencePenalty(fields.presencePenalty());
    }
    if (fields.frequencyPenalty() != null) {
      builder.frequencyPenalty(fields.frequencyPenalty());
    }
    if (fields.repetitionPenalty() != null) {
      builder.repetitionPenalty(fields.repetitionPenalty());
    }
    if (fields.seed() != null) {
      builder.seed(fields.seed());
    }
    return builder.stop(stop(fields.stop()));
  }

  /** {@code stop}: null, a string or a list of strings. */
  private static List<String> stop(JsonNode stop) {
    if (stop == null || stop.isNull()) {
      return List.of();
    }
    if (stop.isTextual()) {
      return List.of(stop.asText());
    }
    List<String> strings = new ArrayList<>();
    if (stop.isArray()) {
      for (JsonNode item : stop) {
        refuseIf(!item.isTextual(), "stop", "must be a string or a list of strings");
        strings.add(item.asText());
      }
      return strings;
    }
    throw ApiException.invalid("stop", "must be a string or a list of strings");
  }

  /** LCKV extension {@code prefill}: reference (the default) or exact. */
  static PrefillMode prefill(String prefill) {
    if (prefill == null) {
      return PrefillMode.REFERENCE;
    }
    return switch (prefill.toLowerCase(Locale.ROOT)) {
      case "reference" -> PrefillMode.REFERENCE;
      case "exact" -> PrefillMode.EXACT;
      default ->
          throw ApiException.invalid(
              "prefill", "must be 'reference' or 'exact', not '" + prefill + "'");
    };
  }

  /**
   * LCKV extension {@code streaming}: StreamingLLM sinks and window, each defaulting to the
   * reference's long-run setting.
   */
  static Optional<StreamingWindow> window(StreamingLlm streaming) {
    if (streaming == null) {
      return Optional.empty();
    }
    var defaults = StreamingWindow.referenceDefault();
    return Optional.of(
        new StreamingWindow(
            streaming.sinkTokens() != null ? streaming.sinkTokens() : defaults.sinkTokens(),
            streaming.windowTokens() != null ? streaming.windowTokens() : defaults.windowTokens()));
  }

  /** {@code stream_options} only make sense on a stream, as OpenAI holds. */
  static boolean includeUsage(Boolean stream, StreamOptions options) {
    if (options == null) {
      return false;
    }
    refuseIf(!Boolean.TRUE.equals(stream), "stream_options", "is only allowed when stream is true");
    return Boolean.TRUE.equals(options.includeUsage());
  }

  /** One answer per request: {@code n} may only be 1. */
  static void requireSingle(String param, Integer count) {
    refuseIf(count != null && count != 1, param, "only 1 is supported, not " + count);
  }

  /** A parameter this server does not implement must be absent or empty. */
  static void refuseUnsupported(String param, JsonNode value) {
    refuseIf(
        value != null && !value.isNull() && !(value.isContainerNode() && value.isEmpty()), param,
        "is not supported by this server");
  }

  static void refuseIf(boolean condition, String param, String message) {
    if (condition) {
      throw ApiException.invalid(param, message);
    }
  }
}
