package io.lckv.server.api.dto;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What both generation requests carry besides their prompt: the model's name, the sampling
 * parameters, streaming, and the fields refused in the same way by both endpoints.
 */
public interface GenerationFields extends SamplingFields {

  String model();

  /** How many answers; only 1 is served. */
  Integer n();

  /** Refused unless empty. */
  JsonNode logitBias();

  Boolean stream();

  StreamOptions streamOptions();

  /** LCKV extension: {@code reference} (default) or {@code exact} prefill (spec §4). */
  String prefill();

  /** LCKV extension: StreamingLLM sinks and window. */
  StreamingLlm streaming();
}
