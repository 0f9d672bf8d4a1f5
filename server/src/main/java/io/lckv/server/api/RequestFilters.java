package io.lckv.server.api;

import io.lckv.server.ServerConfig;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Checks that run before a request body is read. */
class RequestFilters {

  private final Optional<byte[]> apiKey;
  private final long maxBodyBytes;

  RequestFilters(ServerConfig config) {
    this.apiKey = config.apiKey().map(key -> ("Bearer " + key).getBytes(StandardCharsets.UTF_8));
    this.maxBodyBytes = config.maxBodyBytes();
  }

  /** With {@code lckv.api-key} set, the API (not health or metrics) needs it as a bearer token. */
  @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
  void requireApiKey(ContainerRequestContext request) {
    if (apiKey.isEmpty() || !request.getUriInfo().getPath().startsWith("/v1/")) {
      return;
    }
    String given = request.getHeaderString(HttpHeaders.AUTHORIZATION);
    // Constant-time, so the key cannot be guessed byte by byte from response times.
    if (given == null
        || !MessageDigest.isEqual(apiKey.get(), given.getBytes(StandardCharsets.UTF_8))) {
      throw ApiException.unauthorized();
    }
  }

  /**
   * Refuses a body announced as too large before reading any of it; {@link JsonBodies} catches
   * a chunked one that turns out too large.
   */
  @ServerRequestFilter
  void limitBody(ContainerRequestContext request) {
    if (request.getLength() > maxBodyBytes) {
      throw ApiException.tooLarge(maxBodyBytes);
    }
  }
}
