package io.lckv.server.api;

import static io.lckv.server.api.Requests.complete;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.engine.EngineStats;
import io.lckv.server.FakeModelProfile;
import io.lckv.server.FakeModelTest;
import io.lckv.server.TestServer;
import io.lckv.server.model.ServedModel;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A client that hangs up cancels its request: the batch slot and the KV blocks come back. */
@QuarkusTest
@TestProfile(FakeModelProfile.class)
class DisconnectTest extends FakeModelTest {

  private static final String ABORTED =
      "lckv_request_success_total{finished_reason=\"abort\",model_name=\"fake-model\"}";
  /** 250 tokens at 10 ms a step: seconds, far longer than any test waits. */
  private static final String LONG =
      "{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 250";

  @Inject ServedModel model;

  @BeforeEach
  void slowModel() {
    backend.runner().onStep(() -> sleep(10));
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void assertIdleAndOneMoreAborted(double abortedBefore) {
    assertEquals(new EngineStats(0, 0, 0, 0), TestServer.awaitIdle(model));
    assertEquals(0, TestServer.metric("lckv_kv_cache_usage_perc{model_name=\"fake-model\"}"));
    assertEquals(0, TestServer.metric("lckv_num_requests_running{model_name=\"fake-model\"}"));
    assertEquals(abortedBefore + 1, TestServer.metric(ABORTED));
  }

  @Test
  void hangingUpOnAStreamCancelsTheRequestAndFreesItsKv() throws Exception {
    double aborted = TestServer.metric(ABORTED);
    try (var client = RawClient.post("/v1/completions", LONG + ", \"stream\": true}")) {
      client.awaitEvents(3);
      EngineStats during = model.stats().orElseThrow();
      assertEquals(1, during.running());
      assertTrue(during.kvUsage() > 0);
    }
    assertIdleAndOneMoreAborted(aborted);
  }

  @Test
  void hangingUpOnAChatStreamToo() throws Exception {
    double aborted = TestServer.metric(ABORTED);
    try (var client =
        RawClient.post(
            "/v1/chat/completions",
            "{\"model\": \"fake-model\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                + " \"stream\": true}")) {
      client.awaitEvents(2);
    }
    assertIdleAndOneMoreAborted(aborted);
  }

  @Test
  void hangingUpWhileWaitingForAWholeAnswerCancelsItToo() throws Exception {
    double aborted = TestServer.metric(ABORTED);
    var client = RawClient.post("/v1/completions", LONG + "}");
    TestServer.await("the request to run", () -> model.stats().orElseThrow().kvUsage() > 0);
    client.close();
    assertIdleAndOneMoreAborted(aborted);
    // The server goes on serving.
    backend.reset();
    complete("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 3}").statusCode(200);
  }
}
