package io.lckv.server.api;

import static io.lckv.server.api.Requests.chat;
import static io.lckv.server.api.Requests.complete;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.server.FakeModelTest;
import io.lckv.server.TestServer;
import io.lckv.server.TinyCapacityProfile;
import io.lckv.server.model.ServedModel;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(TinyCapacityProfile.class)
class OverloadTest extends FakeModelTest {

  @Inject ServedModel model;

  @Test
  void aFullEngineAnswers429WithRetryAfter() throws Exception {
    backend.runner().onStep(() -> {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try (var holder =
        RawClient.post(
            "/v1/completions",
            "{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 250, \"stream\": true}")) {
      holder.awaitEvents(1);
      String retryAfter =
          complete("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 5}")
              .statusCode(429)
              .body("error.type", equalTo("server_overloaded"))
              .body("error.code", equalTo("server_overloaded"))
              .extract()
              .header("Retry-After");
      assertTrue(Integer.parseInt(retryAfter) >= 1, retryAfter);
      chat("{\"model\": \"fake-model\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"stream\": true}")
          .statusCode(429)
          .header("Retry-After", org.hamcrest.Matchers.notNullValue());
    }
    TestServer.awaitIdle(model);
    backend.reset();
    complete("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 5}").statusCode(200);
  }
}
