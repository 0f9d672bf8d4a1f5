package io.lckv.converter.config;

import io.lckv.converter.CheckpointException;
import java.util.Optional;

/** Reads {@code rope_scaling}: null, {@code linear} or {@code llama3}; anything else is refused. */
final class RopeScalingReader {

  private static final String FIELD = "rope_scaling";
  private static final int MAX_POSITIONS = 1 << 24;

  private RopeScalingReader() {}

  static RopeScaling read(JsonFields config) {
    Optional<JsonFields> scaling = config.optionalObject(FIELD);
    if (scaling.isEmpty()) {
      return new RopeScaling.None();
    }
    JsonFields fields = scaling.get();
    String typeField = fields.isSet("rope_type") ? "rope_type" : "type";
    return switch (type(fields)) {
      // Newer Hugging Face configs spell "no scaling" this way instead of null.
      case "default" -> new RopeScaling.None();
      case "linear" -> new RopeScaling.Linear(factor(fields));
      case "llama3" -> llama3(fields);
      case "dynamic" -> throw fields.error(
          typeField, "\"dynamic\" is not supported: dynamic NTK scaling changes the frequencies"
              + " with the sequence length (use null, linear or llama3)");
      case String other -> throw fields.error(
          typeField, CheckpointException.quote(other)
              + " is not a supported rope scaling (null, linear or llama3)");
    };
  }

  /** Hugging Face has used both {@code type} and {@code rope_type} for the same thing. */
  private static String type(JsonFields fields) {
    Optional<String> ropeType = fields.optionalString("rope_type");
    Optional<String> type = fields.optionalString("type");
    if (ropeType.isPresent() && type.isPresent() && !ropeType.equals(type)) {
      throw fields.error(
          "rope_type", CheckpointException.quote(ropeType.get()) + " contradicts type "
              + CheckpointException.quote(type.get()));
    }
    return ropeType.or(() -> type).orElseThrow(() -> fields.error("rope_type", "is required"));
  }

  /** Below 1 would compress positions instead of stretching them; Hugging Face refuses it too. */
  private static double factor(JsonFields fields) {
    double factor = fields.requiredPositiveNumber("factor");
    if (factor < 1) {
      throw fields.error("factor", "must be at least 1, got " + factor);
    }
    return factor;
  }

  private static RopeScaling.Llama3 llama3(JsonFields fields) {
    double factor = factor(fields);
    double low = fields.requiredPositiveNumber("low_freq_factor");
    double high = fields.requiredPositiveNumber("high_freq_factor");
    if (high <= low) {
      throw fields.error(
          "high_freq_factor", "(" + high + ") must exceed low_freq_factor (" + low + ")");
    }
    int original = fields.requiredInt("original_max_position_embeddings", 1, MAX_POSITIONS);
    return new RopeScaling.Llama3(factor, low, high, original);
  }
}
