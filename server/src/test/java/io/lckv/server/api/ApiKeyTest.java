package io.lckv.server.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.lckv.server.ApiKeyProfile;
import io.lckv.server.TestServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(ApiKeyProfile.class)
class ApiKeyTest {

  private static final String COMPLETION =
      "{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 2}";

  @BeforeEach
  void ready() {
    TestServer.awaitReady();
  }

  private static void unauthorized(RequestSpecification request) {
    request.contentType(ContentType.JSON).body(COMPLETION).post("/v1/completions").then()
        .statusCode(401)
        .body("error.code", equalTo("invalid_api_key"))
        .body("error.type", equalTo("invalid_request_error"))
        .body("error.param", nullValue());
  }

  @Test
  void theApiNeedsTheKeyAsABearerToken() {
    unauthorized(given());
    unauthorized(given().header("Authorization", "Bearer sk-wrong"));
    unauthorized(given().header("Authorization", ApiKeyProfile.KEY));
    unauthorized(given().header("Authorization", "Bearer " + ApiKeyProfile.KEY + "x"));
    given().get("/v1/models").then().statusCode(401);
    given().header("Authorization", "Bearer " + ApiKeyProfile.KEY)
        .contentType(ContentType.JSON).body(COMPLETION).post("/v1/completions").then()
        .statusCode(200);
    given().header("Authorization", "Bearer " + ApiKeyProfile.KEY).get("/v1/models").then()
        .statusCode(200);
  }

  @Test
  void probesAndMetricsNeedNoKey() {
    given().get("/q/health/ready").then().statusCode(200);
    given().get("/q/metrics").then().statusCode(200);
  }
}
