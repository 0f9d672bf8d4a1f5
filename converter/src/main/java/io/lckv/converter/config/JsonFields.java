package io.lckv.converter.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import io.lckv.converter.CheckpointException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Typed access to the fields of one JSON object of a checkpoint file, where every refusal names
 * the file and the field (dotted for nested objects, e.g. {@code rope_scaling.factor}).
 */
final class JsonFields {

  private final Path file;
  private final String prefix;
  private final JsonNode object;

  JsonFields(Path file, JsonNode object) {
    this(file, "", object);
  }

  private JsonFields(Path file, String prefix, JsonNode object) {
    this.file = file;
    this.prefix = prefix;
    this.object = object;
  }

  /** Absent and JSON null read the same: Hugging Face writes null for "not set". */
  boolean isSet(String field) {
    JsonNode node = object.get(field);
    return node != null && !node.isNull();
  }

  /** Set to a JSON string (for fields that may hold a string or a number). */
  boolean isText(String field) {
    return isSet(field) && object.get(field).isTextual();
  }

  CheckpointException error(String field, String problem) {
    return new CheckpointException(file, prefix + field + " " + problem);
  }

  String requiredString(String field) {
    return optionalString(field).orElseThrow(() -> error(field, "is required"));
  }

  Optional<String> optionalString(String field) {
    if (!isSet(field)) {
      return Optional.empty();
    }
    JsonNode node = object.get(field);
    if (!node.isTextual()) {
      throw error(field, "must be a string, got " + describe(node));
    }
    return Optional.of(node.textValue());
  }

  int requiredInt(String field, int min, int max) {
    if (!isSet(field)) {
      throw error(field, "is required");
    }
    return intIn(field, object.get(field), min, max);
  }

  int optionalInt(String field, int fallback, int min, int max) {
    return isSet(field) ? intIn(field, object.get(field), min, max) : fallback;
  }

  /** For fields where JSON null is a value of its own ("none"), distinct from absent. */
  OptionalInt nullableInt(String field, OptionalInt whenAbsent, int min, int max) {
    if (!object.has(field)) {
      return whenAbsent;
    }
    JsonNode node = object.get(field);
    return node.isNull() ? OptionalInt.empty() : OptionalInt.of(intIn(field, node, min, max));
  }

  /** A finite number greater than zero (norm epsilons, rope bases, scaling factors). */
  double positiveNumber(String field, double fallback) {
    return isSet(field) ? positive(field, object.get(field)) : fallback;
  }

  double requiredPositiveNumber(String field) {
    if (!isSet(field)) {
      throw error(field, "is required");
    }
    return positive(field, object.get(field));
  }

  boolean optionalBoolean(String field, boolean fallback) {
    if (!isSet(field)) {
      return fallback;
    }
    JsonNode node = object.get(field);
    if (!node.isBoolean()) {
      throw error(field, "must be true or false, got " + describe(node));
    }
    return node.booleanValue();
  }

  /** Hugging Face writes token ids as an int or a list of ints; both become a list. */
  List<Integer> intOrIntList(String field, List<Integer> fallback, int min, int max) {
    if (!isSet(field)) {
      return fallback;
    }
    JsonNode node = object.get(field);
    if (!node.isArray()) {
      return List.of(intIn(field, node, min, max));
    }
    var values = new ArrayList<Integer>(node.size());
    for (JsonNode element : node) {
      values.add(intIn(field, element, min, max));
    }
    return List.copyOf(values);
  }

  Optional<JsonFields> optionalObject(String field) {
    if (!isSet(field)) {
      return Optional.empty();
    }
    JsonNode node = object.get(field);
    if (!node.isObject()) {
      throw error(field, "must be a JSON object, got " + describe(node));
    }
    return Optional.of(new JsonFields(file, prefix + field + ".", node));
  }

  private int intIn(String field, JsonNode node, int min, int max) {
    if (!node.isIntegralNumber()) {
      throw error(field, "must be an integer, got " + describe(node));
    }
    if (!node.canConvertToInt() || node.intValue() < min || node.intValue() > max) {
      throw error(field, "must be between " + min + " and " + max + ", got " + describe(node));
    }
    return node.intValue();
  }

  private double positive(String field, JsonNode node) {
    if (!node.isNumber()) {
      throw error(field, "must be a number, got " + describe(node));
    }
    double value = node.doubleValue();
    if (!Double.isFinite(value)) {
      throw error(field, "must be finite, got " + describe(node));
    }
    if (value <= 0) {
      throw error(field, "must be greater than 0, got " + describe(node));
    }
    return value;
  }

  private static String describe(JsonNode node) {
    if (node.getNodeType() == JsonNodeType.STRING) {
      return "the string " + CheckpointException.quote(node.textValue());
    }
    if (node.isNumber()) {
      return node.asText(); // plain NaN or Infinity, where toString() would quote them
    }
    String text = node.toString();
    return text.length() > 40 ? text.substring(0, 40) + "..." : text;
  }
}
