package io.lckv.server.api;

import io.lckv.engine.InvalidParameterException;
import io.lckv.server.api.dto.ErrorBody;
import io.lckv.server.chat.ConversationRejected;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every failure of a REST endpoint leaves as OpenAI's error JSON. Client mistakes are 4xx with the
 * parameter named; only a failure of the server itself is a 500.
 */
class ApiErrors {

  private static final Logger LOG = Logger.getLogger(ApiErrors.class);

  @ServerExceptionMapper
  Response api(ApiException e) {
    var response = json(e.status(), e.body());
    e.retryAfter()
        .ifPresent(
            after -> response.header(HttpHeaders.RETRY_AFTER, Math.max(1, after.toSeconds())));
    return response.build();
  }

  /** The engine names the parameter the way the OpenAI API spells it. */
  @ServerExceptionMapper
  Response invalidParameter(InvalidParameterException e) {
    return api(ApiException.invalid(e.parameter(), e.getMessage()));
  }

  @ServerExceptionMapper
  Response conversation(ConversationRejected e) {
    return api(ApiException.invalid("messages", e.getMessage()));
  }

  /** What JAX-RS itself rejects: no such path, wrong method, unacceptable media type. */
  @ServerExceptionMapper
  Response web(WebApplicationException e) {
    int status = e.getResponse().getStatus();
    String type = status < 500 ? "invalid_request_error" : "server_error";
    return json(status, new ErrorBody(new ErrorBody.Detail(e.getMessage(), type, null, null)))
        .build();
  }

  @ServerExceptionMapper
  Response unexpected(Exception e) {
    LOG.error("request failed", e);
    return api(ApiException.failed("internal error: " + e));
  }

  private static Response.ResponseBuilder json(int status, ErrorBody body) {
    return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body);
  }
}
