package io.lckv.server.api;

import static io.lckv.server.api.Requests.complete;
import static io.lckv.server.api.Requests.invalid;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lckv.engine.PagedFakeRunner;
import io.lckv.engine.runner.StepBatch;
import io.lckv.server.FakeModelProfile;
import io.lckv.server.FakeModelTest;
import io.lckv.server.TestServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(FakeModelProfile.class)
class CompletionsTest extends FakeModelTest {


  private static String text(String json) {
    return complete(json).statusCode(200).extract().path("choices[0].text");
  }

  @Test
  void aCompletionRunsToMaxTokensAndCountsItsTokens() {
    complete("{\"model\": \"fake-model\", \"prompt\": \"hello there\", \"max_tokens\": 5}")
        .statusCode(200)
        .contentType(ContentType.JSON)
        .body("id", startsWith("cmpl-"))
        .body("object", equalTo("text_completion"))
        .body("model", equalTo("fake-model"))
        .body("choices", hasSize(1))
        .body("choices[0].index", equalTo(0))
        .body("choices[0].logprobs", nullValue())
        .body("choices[0].finish_reason", equalTo("length"))
        .body("usage.prompt_tokens", equalTo(11))
        .body("usage.completion_tokens", equalTo(5))
        .body("usage.total_tokens", equalTo(16))
        .body("prefill_mode", equalTo("reference"));
  }

  @Test
  void maxTokensDefaultsToSixteenAsInOpenAi() {
    complete("{\"model\": \"fake-model\", \"prompt\": \"hi\"}")
        .statusCode(200)
        .body("usage.completion_tokens", equalTo(16));
  }

  @Test
  void greedyIsDeterministicAndSeedsRepeat() {
    String greedy = "{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 12, \"temperature\": 0}";
    assertEquals(text(greedy), text(greedy));
    String seeded = "{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 12, \"seed\": 7, \"temperature\": 1.5, \"top_p\": 0.9, \"top_k\": 20, \"min_p\": 0.01, \"presence_penalty\": 0.5, \"frequency_penalty\": 0.2, \"repetition_penalty\": 1.1}";
    assertEquals(text(seeded), text(seeded));
    assertEquals(12, text(seeded).length());
    assertNotEquals(text(seeded), text(seeded.replace("\"seed\": 7", "\"seed\": 8")));
  }

  @Test
  void aPromptMayBeTokenIdsOrABatchOfOne() {
    String expected = text("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 6, \"temperature\": 0}");
    assertEquals(expected, text("{\"model\": \"fake-model\", \"prompt\": [0, 1, 2], \"max_tokens\": 6, \"temperature\": 0}"));
    assertEquals(expected, text("{\"model\": \"fake-model\", \"prompt\": [[0, 1, 2]], \"max_tokens\": 6, \"temperature\": 0}"));
    assertEquals(expected, text("{\"model\": \"fake-model\", \"prompt\": [\"abc\"], \"max_tokens\": 6, \"temperature\": 0}"));
  }

  @Test
  void exactPrefillIsOfferedAndReported() {
    // The fake model's M is 4: reference mode differs from exact on 11 tokens.
    String prompt = "{\"model\": \"fake-model\", \"prompt\": \"hello there\", \"max_tokens\": 8, \"temperature\": 0";
    String reference = text(prompt + "}");
    complete(prompt + ", \"prefill\": \"exact\"}").statusCode(200).body("prefill_mode", equalTo("exact"));
    assertNotEquals(reference, text(prompt + ", \"prefill\": \"exact\"}"));
  }

  @Test
  void aStreamingLlmWindowLetsARequestGeneratePastTheContext() {
    complete("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 300, \"streaming\": {\"sink_tokens\": 2, \"window_tokens\": 32}}")
        .statusCode(200)
        .body("usage.completion_tokens", equalTo(300));
  }

  @Test
  void anEndTokenStopsWithFinishReasonStop() {
    backend.runner().eosLogit(1000);
    complete("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 10}")
        .statusCode(200)
        .body("choices[0].text", equalTo(""))
        .body("choices[0].finish_reason", equalTo("stop"))
        .body("usage.completion_tokens", equalTo(1));
  }

  @Test
  void aStopStringEndsTheTextBeforeIt() {
    String full = text("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 20, \"temperature\": 0}");
    String stop = full.substring(5, 7);
    String before = full.substring(0, full.indexOf(stop));
    complete("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 20, \"temperature\": 0, \"stop\": \"" + stop + "\"}")
        .statusCode(200)
        .body("choices[0].text", equalTo(before))
        .body("choices[0].finish_reason", equalTo("stop"));
    complete("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 20, \"temperature\": 0, \"stop\": [\"" + stop + "\", \"zzzz\"]}")
        .statusCode(200)
        .body("choices[0].text", equalTo(before));
  }

  @Test
  void logprobsComeInTheLegacyFormat() {
    JsonNode answer =
        TestServer.json(
            complete("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 4, \"temperature\": 0, \"logprobs\": 3}")
                .statusCode(200).extract().asString());
    JsonNode choice = answer.path("choices").path(0);
    JsonNode logprobs = choice.path("logprobs");
    String text = choice.path("text").asText();
    assertEquals(4, logprobs.path("tokens").size());
    for (int i = 0; i < 4; i++) {
      String token = logprobs.path("tokens").path(i).asText();
      assertEquals(String.valueOf(text.charAt(i)), token);
      assertEquals(i, logprobs.path("text_offset").path(i).asInt());
      double chosen = logprobs.path("token_logprobs").path(i).asDouble();
      assertTrue(chosen <= 0);
      JsonNode top = logprobs.path("top_logprobs").path(i);
      assertEquals(3, top.size(), "greedy picks the most likely, which is among the top 3");
      assertEquals(chosen, top.path(token).asDouble(), 1e-9);
      assertEquals(token, top.fieldNames().next(), "most likely first");
    }
  }

  @Test
  void aStreamCarriesTheSameTextAsTheAnswerAndEndsWithUsageAndDone() {
    String request = "{\"model\": \"fake-model\", \"prompt\": \"hello there\", \"max_tokens\": 7, \"temperature\": 0";
    String whole = text(request + "}");
    String stream =
        complete(request + ", \"stream\": true, \"stream_options\": {\"include_usage\": true}}")
            .statusCode(200)
            .contentType(startsWith("text/event-stream"))
            .extract()
            .asString();
    List<JsonNode> chunks = TestServer.events(stream);
    assertEquals(9, chunks.size(), "7 tokens, the finish chunk, the usage chunk");
    String id = chunks.getFirst().path("id").asText();
    for (JsonNode chunk : chunks) {
      assertEquals(id, chunk.path("id").asText());
      assertEquals("text_completion", chunk.path("object").asText());
      assertEquals("fake-model", chunk.path("model").asText());
      assertTrue(chunk.has("usage"), "with include_usage every chunk has usage");
    }
    String streamed =
        chunks.subList(0, 8).stream()
            .map(c -> c.path("choices").path(0).path("text").asText())
            .collect(Collectors.joining());
    assertEquals(whole, streamed);
    assertTrue(chunks.get(6).path("choices").path(0).path("finish_reason").isNull());
    assertEquals("length", chunks.get(7).path("choices").path(0).path("finish_reason").asText());
    assertTrue(chunks.get(7).path("usage").isNull());
    JsonNode usage = chunks.get(8);
    assertEquals(0, usage.path("choices").size());
    assertEquals(11, usage.path("usage").path("prompt_tokens").asInt());
    assertEquals(7, usage.path("usage").path("completion_tokens").asInt());
    assertEquals(18, usage.path("usage").path("total_tokens").asInt());
  }

  @Test
  void withoutIncludeUsageChunksHaveNoUsage() {
    String stream =
        complete("{\"model\": \"fake-model\", \"prompt\": \"hi\", \"max_tokens\": 3, \"stream\": true, \"logprobs\": 1}")
            .statusCode(200)
            .extract()
            .asString();
    List<JsonNode> chunks = TestServer.events(stream);
    assertEquals(4, chunks.size());
    chunks.forEach(chunk -> assertFalse(chunk.has("usage")));
    for (int i = 0; i < 3; i++) {
      JsonNode logprobs = chunks.get(i).path("choices").path(0).path("logprobs");
      assertEquals(1, logprobs.path("tokens").size());
      assertEquals(i, logprobs.path("text_offset").path(0).asInt());
    }
  }

  @Test
  void parametersOutOfRangeAreNamed() {
    String base = "{\"model\": \"fake-model\", \"prompt\": \"abc\", ";
    invalid(complete(base + "\"temperature\": 3}"), "temperature");
    invalid(complete(base + "\"top_p\": 0}"), "top_p");
    invalid(complete(base + "\"top_k\": -1}"), "top_k");
    invalid(complete(base + "\"min_p\": 1.5}"), "min_p");
    invalid(complete(base + "\"presence_penalty\": 2.5}"), "presence_penalty");
    invalid(complete(base + "\"frequency_penalty\": -3}"), "frequency_penalty");
    invalid(complete(base + "\"repetition_penalty\": 0}"), "repetition_penalty");
    invalid(complete(base + "\"max_tokens\": 0}"), "max_tokens");
    invalid(complete(base + "\"max_tokens\": 254}"), "max_tokens");
    invalid(complete(base + "\"logprobs\": 21}"), "logprobs");
    invalid(complete(base + "\"stop\": [\"\"]}"), "stop");
    invalid(complete(base + "\"stop\": 5}"), "stop");
    invalid(complete(base + "\"stop\": [\"a\", 1]}"), "stop");
    invalid(complete(base + "\"prefill\": \"fast\"}"), "prefill");
    invalid(complete(base + "\"streaming\": {\"sink_tokens\": 8, \"window_tokens\": 8}}"), "streaming.window_tokens");
    invalid(complete(base + "\"streaming\": {\"window_tokens\": 1000}}"), "streaming.window_tokens");
    invalid(complete(base + "\"stream_options\": {\"include_usage\": true}}"), "stream_options");
  }

  @Test
  void featuresThisServerLacksAreRefusedNotIgnored() {
    String base = "{\"model\": \"fake-model\", \"prompt\": \"abc\", ";
    invalid(complete(base + "\"n\": 2}"), "n");
    invalid(complete(base + "\"best_of\": 3}"), "best_of");
    invalid(complete(base + "\"echo\": true}"), "echo");
    invalid(complete(base + "\"suffix\": \"end\"}"), "suffix");
    invalid(complete(base + "\"logit_bias\": {\"3\": 10}}"), "logit_bias");
    complete(base + "\"n\": 1, \"best_of\": 1, \"echo\": false, \"logit_bias\": {}, \"user\": \"u1\"}")
        .statusCode(200);
  }

  @Test
  void badPromptsAreNamed() {
    invalid(complete("{\"model\": \"fake-model\"}"), "prompt");
    invalid(complete("{\"model\": \"fake-model\", \"prompt\": \"\"}"), "prompt");
    invalid(complete("{\"model\": \"fake-model\", \"prompt\": []}"), "prompt");
    invalid(complete("{\"model\": \"fake-model\", \"prompt\": [\"a\", \"b\"]}"), "prompt");
    invalid(complete("{\"model\": \"fake-model\", \"prompt\": [1, \"b\"]}"), "prompt");
    invalid(complete("{\"model\": \"fake-model\", \"prompt\": {\"text\": \"a\"}}"), "prompt");
    invalid(complete("{\"model\": \"fake-model\", \"prompt\": [" + PagedFakeRunner.VOCAB + "]}"), "prompt");
    invalid(complete("{\"model\": \"fake-model\", \"prompt\": [-1]}"), "prompt");
    String tooLong = "a".repeat(FakeModelProfile.MAX_PROMPT_TOKENS + 1);
    invalid(complete("{\"model\": \"fake-model\", \"prompt\": \"" + tooLong + "\", \"max_tokens\": 1}"), "prompt");
    String ids = IntStream.range(0, FakeModelProfile.MAX_PROMPT_TOKENS + 1).mapToObj(i -> "1").collect(Collectors.joining(","));
    invalid(complete("{\"model\": \"fake-model\", \"prompt\": [" + ids + "], \"max_tokens\": 1}"), "prompt");
  }

  @Test
  void theModelMustBeNamedAndServed() {
    invalid(complete("{\"prompt\": \"abc\"}"), "model");
    complete("{\"model\": \"gpt-4\", \"prompt\": \"abc\"}")
        .statusCode(404)
        .body("error.param", equalTo("model"))
        .body("error.code", equalTo("model_not_found"));
  }

  @Test
  void malformedBodiesAre400NotServerErrors() {
    invalid(complete("{\"model\": \"fake-model\", \"prompt\": "), null).body("error.message", startsWith("the body is not valid JSON"));
    invalid(complete("not json at all"), null);
    invalid(complete("[1, 2]"), null);
    invalid(complete("null"), null);
    invalid(given().post("/v1/completions").then(), null);
    invalid(complete("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": \"many\"}"), "max_tokens");
    invalid(complete("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"stream_options\": 3}"), "stream_options");
    // Not JSON's content type, still read as JSON, as curl -d sends it.
    given().contentType("application/x-www-form-urlencoded").body("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 1}")
        .post("/v1/completions").then().statusCode(200);
  }

  @Test
  void anOversizedBodyIs413WhetherItsLengthIsAnnouncedOrNot() throws Exception {
    String large = "{\"model\": \"fake-model\", \"prompt\": \"" + "a".repeat(70_000) + "\"}";
    complete(large)
        .statusCode(413)
        .body("error.code", equalTo("request_too_large"))
        .body("error.type", equalTo("invalid_request_error"));
    // A publisher of unknown length makes the JDK client send the body chunked.
    var chunked =
        HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/v1/completions"))
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(large.getBytes())))
            .build();
    try (HttpClient client = HttpClient.newHttpClient()) {
      HttpResponse<String> response = client.send(chunked, BodyHandlers.ofString());
      assertEquals(413, response.statusCode());
      assertEquals("request_too_large", TestServer.json(response.body()).path("error").path("code").asText());
    }
  }

  @Test
  void unknownFieldsAreIgnored() {
    complete("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 1, \"service_tier\": \"auto\"}")
        .statusCode(200)
        .body("$", not(hasKey("service_tier")));
  }

  @Test
  void aModelFailureIsAServerErrorWholeOrInTheStream() {
    backend.runner().failWhen(StepBatch::isDecode);
    complete("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 5}")
        .statusCode(500)
        .body("error.type", equalTo("server_error"))
        .body("error.message", equalTo("generation failed: model step failed: injected failure"));
    // The first token comes from the prefill step; the failure follows in the stream.
    List<JsonNode> chunks =
        TestServer.events(
            complete("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 5, \"stream\": true}")
                .statusCode(200).extract().asString());
    assertEquals(2, chunks.size());
    assertEquals(1, chunks.getFirst().path("choices").path(0).path("text").asText().length());
    assertEquals("server_error", chunks.getLast().path("error").path("type").asText());
  }
}
