package io.lckv.server;

import static io.lckv.server.api.Requests.chat;
import static io.lckv.server.api.Requests.complete;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lckv.engine.EngineStats;
import io.lckv.server.model.ServedModel;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;

/**
 * The drain that SIGTERM starts, started here by firing Quarkus's shutdown event so that the test
 * server lives on: readiness goes down at once, new requests get 503 with Retry-After, and a
 * stream in flight runs to its end. The real signal is {@code ShutdownDrainIT}'s.
 */
@QuarkusTest
@TestProfile(DrainProfile.class)
class DrainTest {

  private static final String LENGTH =
      "lckv_request_success_total{finished_reason=\"length\",model_name=\"fake-model\"}";

  @Inject FakeModelBackend backend;
  @Inject ServedModel model;
  @Inject Event<ShutdownDelayInitiatedEvent> shutdown;

  /** Model steps the test allows: once they are used up, nothing in flight can end. */
  private final Semaphore steps = new Semaphore(3);

  private static void refusedAsShuttingDown(ValidatableResponse response) {
    response
        .statusCode(503)
        .header("Retry-After", "1")
        .body("error.type", equalTo("server_error"))
        .body("error.code", equalTo("model_not_ready"))
        .body("error.message", containsString("shutting down"));
  }

  @Test
  void readinessGoesDownNewRequestsGet503AndTheStreamInFlightFinishes() throws Exception {
    TestServer.awaitReady();
    backend.runner().onStep(steps::acquireUninterruptibly);
    double lengthBefore = TestServer.metric(LENGTH);
    var uri = URI.create("http://localhost:" + RestAssured.port + "/v1/completions");
    try (var stream =
        LiveStream.post(
            uri,
            "{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 40, \"stream\": true,"
                + " \"stream_options\": {\"include_usage\": true}}")) {
      stream.awaitEvents(2);
      Thread drain = Thread.ofPlatform().start(() -> shutdown.fire(new ShutdownDelayInitiatedEvent()));

      TestServer.await(
          "readiness to go down", () -> given().get("/q/health/ready").statusCode() == 503);
      given()
          .get("/q/health/ready")
          .then()
          .body("checks.find { it.name == 'model' }.data.reason", equalTo("draining"));
      refusedAsShuttingDown(
          complete("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 3}"));
      refusedAsShuttingDown(
          chat("{\"model\": \"fake-model\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"));
      refusedAsShuttingDown(given().get("/v1/models").then());
      assertTrue(drain.isAlive(), "the drain waits for the stream");

      steps.release(1_000_000);
      List<JsonNode> chunks = stream.readToEnd();
      assertEquals(
          "length", chunks.get(chunks.size() - 2).path("choices").path(0).path("finish_reason").asText());
      assertEquals(40, chunks.getLast().path("usage").path("completion_tokens").asInt());
      assertTrue(drain.join(Duration.ofSeconds(30)), "the drain ends with the stream");
    }
    assertEquals(new EngineStats(0, 0, 0, 0), model.stats().orElseThrow());
    assertEquals(lengthBefore + 1, TestServer.metric(LENGTH));
  }
}
