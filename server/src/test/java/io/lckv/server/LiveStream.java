package io.lckv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** A streamed request whose events a test reads as they arrive, while it does other things. */
public final class LiveStream implements AutoCloseable {

  // HTTP/1.1 as curl and most SDKs speak it; no upgrade attempt.
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final Stream<String> body;
  private final Iterator<String> lines;
  private final StringBuilder received = new StringBuilder();
  private int events;

  private LiveStream(Stream<String> body) {
    this.body = body;
    this.lines = body.iterator();
  }

  /** Posts the JSON and returns once the response has begun, which must be a 200. */
  public static LiveStream post(URI uri, String json) throws IOException, InterruptedException {
    var request =
        HttpRequest.newBuilder(uri)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
    HttpResponse<Stream<String>> response = HTTP.send(request, HttpResponse.BodyHandlers.ofLines());
    if (response.statusCode() != 200) {
      String text = response.body().collect(Collectors.joining("\n"));
      assertEquals(200, response.statusCode(), text);
    }
    return new LiveStream(response.body());
  }

  /** How many events have been read so far. */
  public int events() {
    return events;
  }

  /** Reads until {@code count} events have come since the start; fails if the stream ends. */
  public void awaitEvents(int count) {
    while (events < count) {
      if (!lines.hasNext()) {
        fail("the stream ended after " + received);
      }
      read();
    }
  }

  /** Reads to the end and returns every JSON chunk, checking the framing and the [DONE]. */
  public List<JsonNode> readToEnd() {
    while (lines.hasNext()) {
      read();
    }
    return TestServer.events(received.toString());
  }

  private void read() {
    String line = lines.next();
    received.append(line).append('\n');
    if (line.startsWith("data: ")) {
      events++;
    }
  }

  @Override
  public void close() {
    body.close();
  }
}
