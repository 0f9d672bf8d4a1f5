package io.lckv.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service as shipped: the embedded checkpoint converted at startup, served through the ORT
 * runner, answers a greedy completion with exactly the PyTorch reference's text
 * ({@code engine/src/test/resources/tiny-greedy-golden.json}, from models/training/greedy_golden.py).
 */
@QuarkusTest
@TestProfile(EmbeddedModelProfile.class)
class EmbeddedModelTest {

  @BeforeEach
  void loaded() {
    TestServer.awaitReady();
  }

  @Test
  void readyAndGreedyTextEqualsTheReference() throws Exception {
    given().get("/q/health/ready").then().statusCode(200);
    JsonNode golden = new ObjectMapper().readTree(Files.readString(
        Path.of("../engine/src/test/resources/tiny-greedy-golden.json")));
    JsonNode lckv = golden.get("models").get(0);
    JsonNode first = lckv.get("cases").get(0);
    given()
        .contentType("application/json")
        .body("{\"model\": \"lckv-tiny-w2\", \"prompt\": " + first.get("prompt") + ", "
            + "\"max_tokens\": " + golden.get("steps").asInt() + ", \"temperature\": 0}")
        .post("/v1/completions")
        .then()
        .statusCode(200)
        .body("choices[0].text", equalTo(first.get("text").asText()))
        .body("usage.completion_tokens", equalTo(first.get("generated_ids").size()));
  }

  /** On the CPU a checkpoint converts with float32 weights (OrtModelBackend#weightFormat). */
  @Test
  void theCheckpointWasConvertedWithFloat32Weights() throws Exception {
    try (Stream<Path> entries = Files.list(EmbeddedModelProfile.MODEL_CACHE)) {
      List<String> formats =
          entries
              .map(p -> p.getFileName().toString())
              .filter(name -> name.startsWith("lckv-tiny-w2-"))
              .map(name -> name.substring("lckv-tiny-w2-".length()).split("-")[0])
              .toList();
      assertEquals(List.of("fp32"), formats);
    }
  }

  /** On the CPU the packed weights are kept beside the conversion (PrepackedGraphCache). */
  @Test
  void thePackedWeightsWereKeptInTheModelCache() throws Exception {
    try (Stream<Path> entries = Files.list(EmbeddedModelProfile.MODEL_CACHE.resolve("prepacked"))) {
      List<Path> kept = entries.toList();
      assertEquals(1, kept.size(), kept::toString);
      assertTrue(kept.getFirst().getFileName().toString().startsWith("lckv-tiny-w2-fp32-"),
          kept::toString);
      assertTrue(Files.isRegularFile(kept.getFirst().resolve("model.onnx.data")));
    }
  }
}
