package io.lckv.server.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lckv.server.ServerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.util.stream.Collectors;

/**
 * Reads a request body as JSON itself, rather than through JAX-RS, so that its two ways to fail
 * are the API's: more than {@code lckv.max-body-bytes} is a 413, anything that is not the
 * expected JSON object is a 400 naming the field at fault. Reading needs a blocking thread.
 */
@ApplicationScoped
class JsonBodies {

  private final ObjectMapper json;
  private final int limit;

  JsonBodies(ObjectMapper json, ServerConfig config) {
    this.json = json;
    this.limit = config.maxBodyBytes();
  }

  <T> T read(InputStream body, Class<T> type) throws IOException {
    byte[] bytes = body.readNBytes(Math.addExact(limit, 1));
    if (bytes.length > limit) {
      throw ApiException.tooLarge(limit);
    }
    JsonNode tree;
    try {
      tree = json.readTree(bytes);
    } catch (JacksonException e) {
      throw ApiException.invalid(null, "the body is not valid JSON: " + e.getOriginalMessage());
    }
    if (tree == null || !tree.isObject()) {
      throw ApiException.invalid(null, "the body must be a JSON object");
    }
    try {
      return json.treeToValue(tree, type);
    } catch (DatabindException e) {
      String field = field(e);
      throw ApiException.invalid(
          field.isEmpty() ? null : field,
          "invalid value for '" + field + "': " + e.getOriginalMessage());
    }
  }

  /** The JSON path of the failing value, as {@code messages[0].role}. */
  private static String field(DatabindException e) {
    if (!(e instanceof JsonMappingException mapping)) {
      return "";
    }
    return mapping.getPath().stream()
        .map(
            ref ->
                ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
        .collect(Collectors.joining())
        .replaceFirst("^\\.", "");
  }
}
