package io.lckv.server;

import static io.lckv.server.api.Requests.complete;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.lckv.engine.EngineStats;
import io.lckv.server.model.ServedModel;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Requests that would outlast the drain timeout (200 ms here) are cancelled when it runs out: a
 * stream, a whole answer being generated and one still queued all end with finish_reason
 * {@code cancelled}, and the KV pool is empty once the drain returns.
 */
@QuarkusTest
@TestProfile(ShortDrainProfile.class)
class DrainTimeoutTest {

  private static final String ABORTED =
      "lckv_request_success_total{finished_reason=\"abort\",model_name=\"fake-model\"}";
  /** Never ends by itself: the end token is off and the StreamingLLM window slides on. */
  private static final String ENDLESS =
      "{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 100000,"
          + " \"streaming\": {\"sink_tokens\": 2, \"window_tokens\": 16}";

  @Inject FakeModelBackend backend;
  @Inject ServedModel model;
  @Inject Event<ShutdownDelayInitiatedEvent> shutdown;

  private static String finishReason(JsonNode chunk) {
    return chunk.path("choices").path(0).path("finish_reason").asText();
  }

  @Test
  void whatOutlastsTheTimeoutEndsCancelledAndThePoolIsEmpty() throws Exception {
    TestServer.awaitReady();
    backend.runner().onStep(() -> {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    double abortedBefore = TestServer.metric(ABORTED);
    var uri = URI.create("http://localhost:" + RestAssured.port + "/v1/completions");
    try (var clients = Executors.newVirtualThreadPerTaskExecutor();
        var stream = LiveStream.post(uri, ENDLESS + ", \"stream\": true}")) {
      stream.awaitEvents(1);
      Future<JsonPath> running =
          clients.submit(() -> complete(ENDLESS + "}").statusCode(200).extract().jsonPath());
      TestServer.await("two requests to run", () -> model.stats().orElseThrow().running() == 2);
      Future<JsonPath> queued =
          clients.submit(() -> complete(ENDLESS + "}").statusCode(200).extract().jsonPath());
      TestServer.await("one request to wait", () -> model.stats().orElseThrow().waiting() == 1);

      // Observers run on the firing thread: this returns once the drain has.
      shutdown.fire(new ShutdownDelayInitiatedEvent());
      assertEquals(new EngineStats(0, 0, 0, 0), model.stats().orElseThrow());

      List<JsonNode> chunks = stream.readToEnd();
      assertEquals("cancelled", finishReason(chunks.getLast()));
      assertEquals("cancelled", running.get().getString("choices[0].finish_reason"));
      JsonPath neverRan = queued.get();
      assertEquals("cancelled", neverRan.getString("choices[0].finish_reason"));
      assertEquals(0, neverRan.getInt("usage.completion_tokens"));
    }
    assertEquals(abortedBefore + 3, TestServer.metric(ABORTED));
  }
}
