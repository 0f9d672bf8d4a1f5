package io.lckv.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.lckv.engine.EngineStats;
import io.lckv.server.FakeModelProfile;
import io.lckv.server.FakeModelTest;
import io.lckv.server.TestServer;
import io.lckv.server.model.ServedModel;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * 32 streaming clients at once against a batch of 8: most wait their turn, every third hangs up
 * midway. The others get their whole streams, and the server ends with nothing running and an
 * empty KV pool.
 */
@QuarkusTest
@TestProfile(FakeModelProfile.class)
class ConcurrencyTest extends FakeModelTest {

  private static final int CLIENTS = 32;
  private static final int TOKENS = 30;

  @Inject ServedModel model;

  @BeforeEach
  void slowModel() {
    backend.runner().onStep(() -> {
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  /** Clients that hang up ask for more, so that they are surely still running when they do. */
  private static String request(int client) {
    int tokens = client % 3 == 0 ? 200 : TOKENS;
    return "{\"model\": \"fake-model\", \"prompt\": \"client number " + client + "\", \"max_tokens\": "
        + tokens + ", \"temperature\": 0.7, \"seed\": " + client + ", \"stream\": true,"
        + " \"stream_options\": {\"include_usage\": true}}";
  }

  /** Reads the whole stream and returns its text. */
  private static String complete(HttpClient http, int client) throws Exception {
    var post =
        HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/v1/completions"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(request(client)))
            .build();
    HttpResponse<String> response = http.send(post, HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    List<JsonNode> chunks = TestServer.events(response.body());
    assertEquals(TOKENS + 2, chunks.size(), "tokens, finish, usage");
    assertEquals(TOKENS, chunks.getLast().path("usage").path("completion_tokens").asInt());
    return chunks.stream()
        .map(c -> c.path("choices").path(0).path("text").asText())
        .collect(Collectors.joining());
  }

  /** Reads two events, then hangs up. */
  private static String hangUp(int client) throws Exception {
    try (var raw = RawClient.post("/v1/completions", request(client))) {
      raw.awaitEvents(2);
    }
    return null;
  }

  @Test
  void manyStreamsSomeAbandonedLeaveNothingBehind() throws Exception {
    Map<String, Double> before = TestServer.metrics();
    List<Future<String>> results = new ArrayList<>();
    try (var http = HttpClient.newHttpClient();
        var clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < CLIENTS; i++) {
        int client = i;
        results.add(clients.submit(() -> client % 3 == 0 ? hangUp(client) : complete(http, client)));
      }
      for (int i = 0; i < CLIENTS; i++) {
        String text = results.get(i).get();
        if (i % 3 != 0) {
          assertEquals(TOKENS, text.length(), "one character per token, client " + i);
        }
      }
    }
    assertEquals(new EngineStats(0, 0, 0, 0), TestServer.awaitIdle(model));
    Map<String, Double> after = TestServer.metrics();
    String ended = "lckv_request_success_total{finished_reason=\"%s\",model_name=\"fake-model\"}";
    double length = after.get(ended.formatted("length")) - before.get(ended.formatted("length"));
    double aborted = after.get(ended.formatted("abort")) - before.get(ended.formatted("abort"));
    assertEquals(21, length, "the clients that stayed got their answers");
    assertEquals(11, aborted, "the clients that hung up were cancelled");
    assertEquals(0, after.get("lckv_kv_cache_usage_perc{model_name=\"fake-model\"}"));
  }
}
