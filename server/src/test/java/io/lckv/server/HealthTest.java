package io.lckv.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(FakeModelProfile.class)
class HealthTest {

  @Test
  void liveAsSoonAsTheProcessServes() {
    given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
  }

  @Test
  void startedAndReadyOnceTheModelIsLoadedAndWarmedUp() {
    TestServer.awaitReady();
    given().get("/q/health/started").then().statusCode(200).body("checks.name", hasItem("model-load"));
    given()
        .get("/q/health/ready")
        .then()
        .statusCode(200)
        .body("status", equalTo("UP"))
        .body("checks.find { it.name == 'model' }.data.name", equalTo(FakeModelProfile.MODEL));
  }
}
