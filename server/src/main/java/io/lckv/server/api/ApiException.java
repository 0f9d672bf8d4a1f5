package io.lckv.server.api;

import io.lckv.server.api.dto.ErrorBody;
import java.time.Duration;
import java.util.Optional;

/** A request the API answers with an OpenAI error instead of a result. */
public final class ApiException extends RuntimeException {

  private final int status;
  private final ErrorBody.Detail detail;
  private final Optional<Duration> retryAfter;

  private ApiException(int status, ErrorBody.Detail detail, Optional<Duration> retryAfter) {
    super(detail.message());
    this.status = status;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }

  public static ApiException invalid(String param, String message) {
    return new ApiException(
        400, new ErrorBody.Detail(message, "invalid_request_error", param, null),
        Optional.empty());
  }

  public static ApiException unauthorized() {
    return new ApiException(
        401,
        new ErrorBody.Detail(
            "missing or incorrect API key: send it as Authorization: Bearer <key>",
            "invalid_request_error", null, "invalid_api_key"),
        Optional.empty());
  }

  public static ApiException unknownModel(String model) {
    return new ApiException(
        404,
        new ErrorBody.Detail(
            "the model '" + model + "' does not exist", "invalid_request_error", "model",
            "model_not_found"),
        Optional.empty());
  }

  public static ApiException tooLarge(long limit) {
    return new ApiException(
        413,
        new ErrorBody.Detail(
            "the request body exceeds the limit of " + limit + " bytes", "invalid_request_error",
            null, "request_too_large"),
        Optional.empty());
  }

  public static ApiException overloaded(Duration retryAfter, int waiting) {
    return new ApiException(
        429,
        new ErrorBody.Detail(
            "the server is at capacity (" + waiting + " requests waiting); retry later",
            "server_overloaded", null, "server_overloaded"),
        Optional.of(retryAfter));
  }

  public static ApiException notReady(String reason) {
    return new ApiException(
        503,
        new ErrorBody.Detail(
            "the model is not ready: " + reason, "server_error", null, "model_not_ready"),
        Optional.empty());
  }

  /**
   * The server drains before it exits. Another replica can take the request at once, hence the
   * shortest Retry-After.
   */
  public static ApiException shuttingDown() {
    return new ApiException(
        503,
        new ErrorBody.Detail(
            "the server is shutting down; retry the request", "server_error", null,
            "model_not_ready"),
        Optional.of(Duration.ofSeconds(1)));
  }

  public static ApiException failed(String message) {
    return new ApiException(
        500, new ErrorBody.Detail(message, "server_error", null, null), Optional.empty());
  }

  public int status() {
    return status;
  }

  public ErrorBody body() {
    return new ErrorBody(detail);
  }

  /** For HTTP {@code Retry-After} on a 429, or on a 503 while shutting down. */
  public Optional<Duration> retryAfter() {
    return retryAfter;
  }
}
