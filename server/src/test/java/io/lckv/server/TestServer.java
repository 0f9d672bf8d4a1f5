package io.lckv.server;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lckv.engine.EngineStats;
import io.lckv.server.model.ServedModel;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** What the server tests share: waiting for states, reading metrics and event streams. */
public final class TestServer {

  private static final ObjectMapper JSON = new ObjectMapper();

  private TestServer() {}

  /** Waits until {@code /q/health/ready} says UP. */
  public static void awaitReady() {
    await("the model to be ready", () -> given().get("/q/health/ready").statusCode() == 200);
  }

  /** Waits until the model has finished loading, well or badly. */
  public static void awaitStarted() {
    await("the model load to end", () -> given().get("/q/health/started").statusCode() == 200);
  }

  /** Waits until the engine holds no request and no KV block, and returns its stats then. */
  public static EngineStats awaitIdle(ServedModel model) {
    await(
        "the engine to be idle",
        () -> model.stats().orElseThrow().equals(new EngineStats(0, 0, 0, 0)));
    return model.stats().orElseThrow();
  }

  public static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted waiting for " + what);
      }
    }
  }

  /** Every sample of {@code /q/metrics}, by its name and labels as Prometheus writes them. */
  public static Map<String, Double> metrics() {
    String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
    Map<String, Double> samples = new HashMap<>();
    for (String line : text.split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        int space = line.lastIndexOf(' ');
        samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      }
    }
    return samples;
  }

  /** One metric sample; fails when it is missing. */
  public static double metric(String nameAndLabels) {
    Double value = metrics().get(nameAndLabels);
    assertTrue(value != null, "no metric " + nameAndLabels);
    return value;
  }

  /**
   * The JSON chunks of an OpenAI event stream, checking its framing: every event is one {@code
   * data: } line and a blank line, and the last is {@code data: [DONE]}.
   */
  public static List<JsonNode> events(String stream) {
    assertTrue(stream.endsWith("data: [DONE]\n\n"), "the stream ends with [DONE]: " + stream);
    List<JsonNode> chunks = new ArrayList<>();
    String[] events = stream.split("\n\n");
    for (int i = 0; i < events.length - 1; i++) {
      assertTrue(events[i].startsWith("data: {"), "an event is one data line: " + events[i]);
      assertEquals(-1, events[i].indexOf('\n'), "an event is one line: " + events[i]);
      chunks.add(json(events[i].substring("data: ".length())));
    }
    return chunks;
  }

  public static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
