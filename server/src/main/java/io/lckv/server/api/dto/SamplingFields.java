package io.lckv.server.api.dto;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The sampling parameters both generation endpoints share. Null means the client left it out;
 * the engine's defaults (OpenAI's) apply. top_k, min_p and repetition_penalty are vLLM's
 * extensions.
 */
public interface SamplingFields {

  Double temperature();

  Double topP();

  Integer topK();

  Double minP();

  Double presencePenalty();

  Double frequencyPenalty();

  Double repetitionPenalty();

  Long seed();

  /** A string or a list of strings. */
  JsonNode stop();
}
