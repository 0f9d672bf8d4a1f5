package io.lckv.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A model that cannot load: the process lives, says why it is not ready, and the API says 503. */
@QuarkusTest
@TestProfile(NoModelProfile.class)
class NoModelTest {

  @BeforeEach
  void loadEnded() {
    TestServer.awaitStarted();
  }

  @Test
  void liveButNotReadyWithTheReason() {
    given().get("/q/health/live").then().statusCode(200);
    given()
        .get("/q/health/ready")
        .then()
        .statusCode(503)
        .body("status", equalTo("DOWN"))
        .body("checks.find { it.name == 'model' }.data.path", containsString("no-such-model"))
        .body("checks.find { it.name == 'model' }.data.reason", not(equalTo("loading")));
  }

  @Test
  void theApiAnswers503() {
    given().get("/v1/models").then().statusCode(503)
        .body("error.code", equalTo("model_not_ready"))
        .body("error.type", equalTo("server_error"));
    for (String path : new String[] {"/v1/completions", "/v1/chat/completions"}) {
      given().contentType(ContentType.JSON).body("{\"model\": \"x\", \"prompt\": \"a\"}").post(path)
          .then().statusCode(503).body("error.code", equalTo("model_not_ready"));
    }
  }

  @Test
  void metricsAreScrapedAndZero() {
    assertEquals(0, TestServer.metric("lckv_num_requests_running{model_name=\"no-such-model\"}"));
    assertEquals(0, TestServer.metric("lckv_kv_cache_usage_perc{model_name=\"no-such-model\"}"));
  }
}
