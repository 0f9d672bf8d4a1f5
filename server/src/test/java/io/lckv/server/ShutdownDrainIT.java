package io.lckv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real SIGTERM to the packaged server (target/quarkus-app, which the package phase builds; hence
 * Failsafe runs this, after it) serving the embedded model, with a stream in flight when the
 * signal arrives. Deadlines are generous: nothing here is timed beyond the drain timeouts.
 */
class ShutdownDrainIT {

  private static final Path APP = Path.of("target/quarkus-app/quarkus-run.jar");
  private static final Pattern LISTENING = Pattern.compile("Listening on: http://[^:/]+:(\\d+)");
  private static final Duration PATIENCE = Duration.ofMinutes(2);
  /** What a JVM ended by SIGTERM exits with, shutdown hooks run: 128 + 15. */
  private static final int SIGTERM_EXIT = 143;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private Process server;
  private Path log;

  @AfterEach
  void stop() {
    if (server != null && server.isAlive()) {
      server.destroyForcibly();
    }
  }

  @Test
  void aStreamThatEndsWithinTheDrainTimeoutRunsToItsEnd() throws Exception {
    URI base = start("finishes", "2m");
    try (var stream =
        LiveStream.post(
            base.resolve("/v1/completions"),
            "{\"model\": \"lckv-tiny-w2\", \"prompt\": \"The jury\", \"max_tokens\": 1500,"
                + " \"temperature\": 0, \"stream\": true,"
                + " \"stream_options\": {\"include_usage\": true}}")) {
      stream.awaitEvents(3);
      server.destroy();
      List<JsonNode> chunks = stream.readToEnd();
      assertEquals("length", finishReason(chunks.get(chunks.size() - 2)));
      assertEquals(1500, chunks.getLast().path("usage").path("completion_tokens").asInt());
    }
    assertExitedAfterTheDrain();
    String text = Files.readString(log);
    assertTrue(text.contains("draining: 1 running and 0 waiting requests"), text);
    assertTrue(text.contains("requests cancelled at the drain timeout: 0"), text);
  }

  @Test
  void aStreamThatOutlastsTheDrainTimeoutEndsCancelledAndNewRequestsGet503Meanwhile()
      throws Exception {
    URI base = start("cancels", "5s");
    // StreamingLLM lifts the context limit: this stream would run for minutes.
    try (var stream =
        LiveStream.post(
            base.resolve("/v1/completions"),
            "{\"model\": \"lckv-tiny-w2\", \"prompt\": \"The jury\", \"max_tokens\": 1000000,"
                + " \"temperature\": 0, \"stream\": true,"
                + " \"streaming\": {\"sink_tokens\": 4, \"window_tokens\": 256}}")) {
      stream.awaitEvents(3);
      server.destroy();

      await("readiness to go down", () -> get(base.resolve("/q/health/ready")).statusCode() == 503);
      JsonNode ready = TestServer.json(get(base.resolve("/q/health/ready")).body());
      assertTrue(ready.toString().contains("\"reason\":\"draining\""), ready.toString());
      HttpResponse<String> refused =
          post(base.resolve("/v1/completions"), "{\"model\": \"lckv-tiny-w2\", \"prompt\": \"a\"}");
      assertEquals(503, refused.statusCode(), refused.body());
      assertEquals(Optional.of("1"), refused.headers().firstValue("Retry-After"));
      assertEquals(
          "model_not_ready", TestServer.json(refused.body()).path("error").path("code").asText());

      // Tokens still come after all that: the stream was in flight the whole time.
      int seen = stream.events();
      stream.awaitEvents(seen + 1);
      List<JsonNode> chunks = stream.readToEnd();
      assertTrue(chunks.get(seen).path("choices").path(0).path("finish_reason").isNull());
      assertEquals("cancelled", finishReason(chunks.getLast()));
    }
    assertExitedAfterTheDrain();
    String text = Files.readString(log);
    assertTrue(text.contains("requests cancelled at the drain timeout: 1"), text);
  }

  /** Starts the server on a free port and waits until it is ready; returns its address. */
  private URI start(String name, String drainTimeout) throws Exception {
    assertTrue(Files.exists(APP), APP + " is built by the package phase");
    log = Path.of("target", "shutdown-drain-" + name + ".log");
    String java = ProcessHandle.current().info().command().orElseThrow();
    server =
        new ProcessBuilder(
                java, "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dquarkus.http.port=0",
                "-Dlckv.model-path=../models/lckv-tiny-w2",
                // Converted by the first test's server, a cache hit for the second's.
                "-Dlckv.model-cache=target/model-cache",
                "-Dlckv.kv-cache-bytes=" + (16 << 20),
                "-Dlckv.drain-timeout=" + drainTimeout,
                "-jar", APP.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    await("the server to listen", () -> LISTENING.matcher(logText()).find());
    Matcher listening = LISTENING.matcher(logText());
    listening.find();
    URI base = URI.create("http://localhost:" + listening.group(1));
    await("the model to be ready", () -> get(base.resolve("/q/health/ready")).statusCode() == 200);
    return base;
  }

  private void assertExitedAfterTheDrain() throws Exception {
    assertTrue(server.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS), "the server exits");
    assertEquals(SIGTERM_EXIT, server.exitValue(), logText());
    String text = logText();
    assertTrue(text.contains("KV pool at exit: empty"), text);
  }

  private String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  private static String finishReason(JsonNode chunk) {
    return chunk.path("choices").path(0).path("finish_reason").asText();
  }

  private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(URI uri, String json)
      throws IOException, InterruptedException {
    var request =
        HttpRequest.newBuilder(uri)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Polls until the check holds while the server runs; an I/O error (not listening yet) is no. */
  private void await(String what, Callable<Boolean> check) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      try {
        if (check.call()) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      if (!server.isAlive() || System.nanoTime() > deadline) {
        fail("gave up waiting for " + what + "; server log:\n" + logText());
      }
      Thread.sleep(50);
    }
  }
}
