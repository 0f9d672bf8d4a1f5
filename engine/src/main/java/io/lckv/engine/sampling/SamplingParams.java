package io.lckv.engine.sampling;

import io.lckv.engine.InvalidParameterException;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * How one request picks its tokens. Ranges follow the OpenAI API where it defines the parameter;
 * a value out of range throws {@link InvalidParameterException} naming it.
 *
 * <p>Penalties come from two traditions and differ on purpose: {@code repetitionPenalty} is
 * Hugging Face's (multiplicative, each distinct token of the prompt <em>and</em> the output once,
 * &gt; 1 discourages); {@code presencePenalty} and {@code frequencyPenalty} are OpenAI's (subtracted
 * from the logit, counting only generated tokens, the frequency one per occurrence, negative values
 * encourage repetition). See {@link Sampler} for the order they apply in.
 *
 * @param temperature 0 picks the most likely token (greedy); otherwise logits are divided by it
 * @param topK keep the k most likely tokens; 0 keeps all
 * @param topP keep the smallest most-likely set whose probability reaches it; 1 keeps all
 * @param minP drop tokens less likely than {@code minP} times the most likely one; 0 keeps all
 * @param repetitionPenalty Hugging Face repetition penalty; 1 is off
 * @param presencePenalty OpenAI presence penalty; 0 is off
 * @param frequencyPenalty OpenAI frequency penalty; 0 is off
 * @param seed same seed and parameters give the same tokens, whatever else runs
 * @param maxTokens most tokens to generate
 * @param stop strings that end generation; the matched string is not part of the output
 * @param topLogprobs when present, report the chosen token's log-probability and this many
 *     alternatives
 */
public record SamplingParams(
    double temperature,
    int topK,
    double topP,
    double minP,
    double repetitionPenalty,
    double presencePenalty,
    double frequencyPenalty,
    OptionalLong seed,
    int maxTokens,
    List<String> stop,
    OptionalInt topLogprobs) {

  public static final int MAX_STOP_STRINGS = 16;
  public static final int MAX_TOP_LOGPROBS = 20;

  public SamplingParams {
    if (!(temperature >= 0 && temperature <= 2)) {
      throw new InvalidParameterException(
          "temperature", "must be between 0 and 2 (0 picks the most likely token), not " + temperature);
    }
    if (topK < 0) {
      throw new InvalidParameterException("top_k", "must be >= 0 (0 keeps all tokens), not " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new InvalidParameterException("top_p", "must be in (0, 1], not " + topP);
    }
    if (!(minP >= 0 && minP <= 1)) {
      throw new InvalidParameterException("min_p", "must be in [0, 1], not " + minP);
    }
    if (!(repetitionPenalty > 0 && Double.isFinite(repetitionPenalty))) {
      throw new InvalidParameterException(
          "repetition_penalty", "must be a positive number (1 is off), not " + repetitionPenalty);
    }
    requirePenaltyRange("presence_penalty", presencePenalty);
    requirePenaltyRange("frequency_penalty", frequencyPenalty);
    if (maxTokens < 1) {
      throw new InvalidParameterException("max_tokens", "must be >= 1, not " + maxTokens);
    }
    stop = List.copyOf(stop);
    if (stop.size() > MAX_STOP_STRINGS) {
      throw new InvalidParameterException(
          "stop", "at most " + MAX_STOP_STRINGS + " stop strings, not " + stop.size());
    }
    if (stop.stream().anyMatch(String::isEmpty)) {
      throw new InvalidParameterException("stop", "stop strings must not be empty");
    }
    if (topLogprobs.isPresent()
        && (topLogprobs.getAsInt() < 0 || topLogprobs.getAsInt() > MAX_TOP_LOGPROBS)) {
      throw new InvalidParameterException(
          "top_logprobs",
          "must be between 0 and " + MAX_TOP_LOGPROBS + ", not " + topLogprobs.getAsInt());
    }
  }

  private static void requirePenaltyRange(String parameter, double value) {
    if (!(value >= -2 && value <= 2)) {
      throw new InvalidParameterException(parameter, "must be between -2 and 2, not " + value);
    }
  }

  public boolean isGreedy() {
    return temperature == 0;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Greedy decoding of at most {@code maxTokens} tokens, nothing else. */
  public static SamplingParams greedy(int maxTokens) {
    return builder().temperature(0).maxTokens(maxTokens).build();
  }

  /** Starts from the OpenAI defaults: temperature 1, everything else off, 16 tokens. */
  public static final class Builder {
    private double temperature = 1;
    private int topK;
    private double topP = 1;
    private double minP;
    private double repetitionPenalty = 1;
    private double presencePenalty;
    private double frequencyPenalty;
    private OptionalLong seed = OptionalLong.empty();
    private int maxTokens = 16;
    private List<String> stop = List.of();
    private OptionalInt topLogprobs = OptionalInt.empty();

    private Builder() {}

    public Builder temperature(double value) {
      temperature = value;
      return this;
    }

    public Builder topK(int value) {
      topK = value;
      return this;
    }

    public Builder topP(double value) {
      topP = value;
      return this;
    }

    public Builder minP(double value) {
      minP = value;
      return this;
    }

    public Builder repetitionPenalty(double value) {
      repetitionPenalty = value;
      return this;
    }

    public Builder presencePenalty(double value) {
      presencePenalty = value;
      return this;
    }

    public Builder frequencyPenalty(double value) {
      frequencyPenalty = value;
      return this;
    }

    public Builder seed(long value) {
      seed = OptionalLong.of(value);
      return this;
    }

    public Builder maxTokens(int value) {
      maxTokens = value;
      return this;
    }

    public Builder stop(List<String> value) {
      stop = value;
      return this;
    }

    public Builder topLogprobs(int value) {
      topLogprobs = OptionalInt.of(value);
      return this;
    }

    public SamplingParams build() {
      return new SamplingParams(
          temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty,
          seed, maxTokens, stop, topLogprobs);
    }
  }
}
