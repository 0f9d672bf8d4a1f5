package io.lckv.server.api;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/** Short ways to post JSON to the API in tests. */
public final class Requests {

  private Requests() {}

  public static ValidatableResponse post(String path, String json) {
    return given().contentType(ContentType.JSON).body(json).post(path).then().log().ifValidationFails();
  }

  public static ValidatableResponse complete(String json) {
    return post("/v1/completions", json);
  }

  public static ValidatableResponse chat(String json) {
    return post("/v1/chat/completions", json);
  }

  /** A 400 naming {@code param}, in OpenAI's error shape. */
  public static ValidatableResponse invalid(ValidatableResponse response, String param) {
    return response
        .statusCode(400)
        .contentType(ContentType.JSON)
        .body("error.type", org.hamcrest.Matchers.equalTo("invalid_request_error"))
        .body("error.param", org.hamcrest.Matchers.equalTo(param))
        .body("error.message", org.hamcrest.Matchers.notNullValue());
  }
}
