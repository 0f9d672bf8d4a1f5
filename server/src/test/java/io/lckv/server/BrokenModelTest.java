package io.lckv.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/** Loading is not enough: ready needs a forward step that worked. */
@QuarkusTest
@TestProfile(BrokenModelProfile.class)
class BrokenModelTest {

  @Test
  void aFailingWarmUpKeepsTheServerUnreadyWithTheReason() {
    TestServer.awaitStarted();
    given()
        .get("/q/health/ready")
        .then()
        .statusCode(503)
        .body(
            "checks.find { it.name == 'model' }.data.reason",
            equalTo("the warm-up generation failed: model step failed: injected failure"));
    given().get("/v1/models").then().statusCode(503);
  }
}
