package io.lckv.server.api.dto;

/** OpenAI's error envelope: {@code {"error": {"message", "type", "param", "code"}}}. */
public record ErrorBody(Detail error) {

  /**
   * @param param the request parameter at fault, or null
   * @param code a machine-readable reason, or null
   */
  public record Detail(String message, String type, String param, String code) {}
}
