package io.lckv.converter;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;

/** Parses the JSON of checkpoint files (config, index, safetensors headers) one strict way. */
public final class StrictJson {

  /**
   * Python's json module writes NaN and Infinity as bare words; accepting them lets a config
   * refusal say which field is not finite instead of failing as a parse error. Duplicate keys
   * are refused: Python keeps the last one, which would hide an edit or a second tensor entry.
   */
  private static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .build();

  private StrictJson() {}

  /** The JSON object in {@code bytes}, read from {@code file}; anything else is refused. */
  public static JsonNode parseObject(Path file, String what, byte[] bytes) {
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new CheckpointException(file, what + " is not valid JSON: " + describe(e), e);
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointException(file, what + " is not a JSON object");
    }
    return root;
  }

  /** Jackson's own message spans lines and quotes the input; keep the gist and the place. */
  private static String describe(IOException e) {
    if (e instanceof JsonProcessingException json && json.getLocation() != null) {
      return json.getOriginalMessage() + " (line " + json.getLocation().getLineNr()
          + ", column " + json.getLocation().getColumnNr() + ")";
    }
    return String.valueOf(e.getMessage());
  }
}
