package io.lckv.server.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import io.lckv.server.FakeModelProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(FakeModelProfile.class)
class OpenApiDocumentTest {

  @Test
  void theApiIsDescribedWithItsSchemas() {
    given().queryParam("format", "json").get("/q/openapi").then()
        .statusCode(200)
        .body("paths", hasKey("/v1/completions"))
        .body("paths", hasKey("/v1/chat/completions"))
        .body("paths", hasKey("/v1/models"))
        .body("components.schemas.CompletionRequest.properties.max_tokens", notNullValue())
        .body("components.schemas.ChatCompletion", notNullValue())
        // Fields of several JSON shapes are described as such, not as Jackson's JsonNode class.
        .body("components.schemas", not(hasKey("JsonNode")))
        .body("components.schemas.AnyJson.properties", nullValue());
  }
}
