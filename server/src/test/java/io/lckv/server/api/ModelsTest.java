package io.lckv.server.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;

import io.lckv.server.FakeModelProfile;
import io.lckv.server.TestServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(FakeModelProfile.class)
class ModelsTest {

  @BeforeEach
  void ready() {
    TestServer.awaitReady();
  }

  @Test
  void theServedModelIsListed() {
    given().get("/v1/models").then()
        .statusCode(200)
        .body("object", equalTo("list"))
        .body("data", hasSize(1))
        .body("data[0].id", equalTo(FakeModelProfile.MODEL))
        .body("data[0].object", equalTo("model"))
        .body("data[0].owned_by", equalTo("lckv-serve"))
        .body("data[0].created", greaterThan(1_700_000_000));
    given().get("/v1/models/" + FakeModelProfile.MODEL).then()
        .statusCode(200)
        .body("id", equalTo(FakeModelProfile.MODEL));
  }

  @Test
  void anotherModelIsNotFound() {
    given().get("/v1/models/gpt-4").then()
        .statusCode(404)
        .body("error.code", equalTo("model_not_found"))
        .body("error.param", equalTo("model"));
  }

  @Test
  void clientMistakesAboutTheApiItselfAreOpenAiErrors() {
    given().get("/v1/completions").then().statusCode(405).body("error.type", equalTo("invalid_request_error"));
    given().post("/v1/models").then().statusCode(405).body("error.type", equalTo("invalid_request_error"));
  }
}
