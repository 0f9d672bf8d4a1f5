package io.lckv.engine;

/** Why a request ended; the first two are OpenAI's {@code finish_reason} values. */
public enum FinishReason {
  /** An end-of-sequence token or a stop string. */
  STOP,
  /** {@code max_tokens} reached. */
  LENGTH,
  /** {@link GenerationHandle#cancel()} was called, or {@link Engine#drain} ran out of time. */
  CANCELLED,
  /** The model step, sampling or detokenization failed, or the engine closed. */
  ERROR
}
