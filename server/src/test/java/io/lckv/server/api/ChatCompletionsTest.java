package io.lckv.server.api;

import static io.lckv.server.api.Requests.chat;
import static io.lckv.server.api.Requests.complete;
import static io.lckv.server.api.Requests.invalid;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lckv.server.FakeModelBackend;
import io.lckv.server.FakeModelProfile;
import io.lckv.server.FakeModelTest;
import io.lckv.server.TestServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(FakeModelProfile.class)
class ChatCompletionsTest extends FakeModelTest {

  /** What {@link FakeModelBackend#CHAT_TEMPLATE} makes of {@link #CONVERSATION}. */
  private static final String RENDERED = "system says be brief. user says hi. assistant says";

  private static final String CONVERSATION =
      "\"messages\": [{\"role\": \"system\", \"content\": \"be brief\"},"
          + " {\"role\": \"user\", \"content\": \"hi\"}]";


  @Test
  void theConversationGoesThroughTheChatTemplate() {
    String answer =
        chat("{\"model\": \"fake-model\", " + CONVERSATION + ", \"max_tokens\": 6, \"temperature\": 0}")
            .statusCode(200)
            .contentType(ContentType.JSON)
            .body("id", startsWith("chatcmpl-"))
            .body("object", equalTo("chat.completion"))
            .body("model", equalTo("fake-model"))
            .body("choices", hasSize(1))
            .body("choices[0].index", equalTo(0))
            .body("choices[0].message.role", equalTo("assistant"))
            .body("choices[0].message.refusal", nullValue())
            .body("choices[0].logprobs", nullValue())
            .body("choices[0].finish_reason", equalTo("length"))
            // The letter tokenizer has one token per character.
            .body("usage.prompt_tokens", equalTo(RENDERED.length()))
            .body("usage.completion_tokens", equalTo(6))
            .body("prefill_mode", equalTo("reference"))
            .extract()
            .path("choices[0].message.content");
    // The rendered conversation, sent as a plain prompt without special tokens, is the same input.
    complete("{\"model\": \"fake-model\", \"prompt\": \"" + RENDERED + "\", \"max_tokens\": 6, \"temperature\": 0}")
        .statusCode(200)
        .body("choices[0].text", equalTo(answer));
  }

  @Test
  void textPartsAndNullContentAreAccepted() {
    // Parts are joined by newlines, which the letter tokenizer cannot encode: one part here.
    String conversation =
        "{\"model\": \"fake-model\", \"max_tokens\": 1, \"messages\": [{\"role\": \"user\", \"content\":"
            + " [{\"type\": \"text\", \"text\": \"ab\"}]}, {\"role\": \"assistant\", \"content\": null}]}";
    chat(conversation)
        .statusCode(200)
        .body("usage.prompt_tokens", equalTo("user says ab. assistant says . assistant says".length()));
    invalid(
        chat(conversation.replace("\"type\": \"text\", \"text\": \"ab\"", "\"type\": \"image_url\", \"image_url\": {}")),
        "messages[0].content");
  }

  @Test
  void withoutMaxTokensTheAnswerMayFillTheContext() {
    chat("{\"model\": \"fake-model\", " + CONVERSATION + "}")
        .statusCode(200)
        .body("choices[0].finish_reason", equalTo("length"))
        .body("usage.total_tokens", equalTo(FakeModelBackend.CONTEXT));
    chat("{\"model\": \"fake-model\", " + CONVERSATION + ", \"max_tokens\": 9, \"max_completion_tokens\": 3}")
        .statusCode(200)
        .body("usage.completion_tokens", equalTo(3));
  }

  @Test
  void anEndTokenEndsTheAnswer() {
    backend.runner().eosLogit(1000);
    chat("{\"model\": \"fake-model\", " + CONVERSATION + "}")
        .statusCode(200)
        .body("choices[0].message.content", equalTo(""))
        .body("choices[0].finish_reason", equalTo("stop"));
  }

  @Test
  void logprobsComeInTheChatFormat() {
    JsonNode answer =
        TestServer.json(
            chat("{\"model\": \"fake-model\", " + CONVERSATION + ", \"max_tokens\": 3, \"temperature\": 0, \"logprobs\": true, \"top_logprobs\": 2}")
                .statusCode(200).extract().asString());
    String content = answer.path("choices").path(0).path("message").path("content").asText();
    JsonNode tokens = answer.path("choices").path(0).path("logprobs").path("content");
    assertEquals(3, tokens.size());
    for (int i = 0; i < 3; i++) {
      JsonNode token = tokens.path(i);
      assertEquals(String.valueOf(content.charAt(i)), token.path("token").asText());
      assertEquals((int) content.charAt(i), token.path("bytes").path(0).asInt());
      assertEquals(2, token.path("top_logprobs").size());
      JsonNode best = token.path("top_logprobs").path(0);
      assertEquals(token.path("token").asText(), best.path("token").asText(), "greedy takes the best");
      assertEquals(token.path("logprob").asDouble(), best.path("logprob").asDouble(), 1e-9);
      assertTrue(best.path("logprob").asDouble() >= token.path("top_logprobs").path(1).path("logprob").asDouble());
    }
    JsonNode plain =
        TestServer.json(
            chat("{\"model\": \"fake-model\", " + CONVERSATION + ", \"max_tokens\": 2, \"logprobs\": true}")
                .statusCode(200).extract().asString());
    assertEquals(0, plain.path("choices").path(0).path("logprobs").path("content").path(0).path("top_logprobs").size());
  }

  @Test
  void aStreamStartsWithTheRoleAndEndsWithAnEmptyDelta() {
    String request = "{\"model\": \"fake-model\", " + CONVERSATION + ", \"max_tokens\": 5, \"temperature\": 0";
    String whole = chat(request + "}").statusCode(200).extract().path("choices[0].message.content");
    String stream =
        chat(request + ", \"stream\": true, \"stream_options\": {\"include_usage\": true}}")
            .statusCode(200)
            .contentType(startsWith("text/event-stream"))
            .extract()
            .asString();
    List<JsonNode> chunks = TestServer.events(stream);
    assertEquals(8, chunks.size(), "role, 5 tokens, finish, usage");
    for (JsonNode chunk : chunks) {
      assertEquals("chat.completion.chunk", chunk.path("object").asText());
      assertEquals(chunks.getFirst().path("id").asText(), chunk.path("id").asText());
    }
    JsonNode first = chunks.getFirst().path("choices").path(0);
    assertEquals("assistant", first.path("delta").path("role").asText());
    assertEquals("", first.path("delta").path("content").asText());
    assertEquals(
        whole,
        chunks.subList(1, 6).stream()
            .map(c -> c.path("choices").path(0).path("delta"))
            .peek(delta -> assertFalse(delta.has("role")))
            .map(delta -> delta.path("content").asText())
            .collect(Collectors.joining()));
    JsonNode finish = chunks.get(6).path("choices").path(0);
    assertEquals(0, finish.path("delta").size());
    assertEquals("length", finish.path("finish_reason").asText());
    assertEquals(5, chunks.get(7).path("usage").path("completion_tokens").asInt());
    assertEquals(0, chunks.get(7).path("choices").size());
  }

  @Test
  void aStreamedAnswerCarriesLogprobsPerChunk() {
    List<JsonNode> chunks =
        TestServer.events(
            chat("{\"model\": \"fake-model\", " + CONVERSATION + ", \"max_tokens\": 2, \"stream\": true, \"logprobs\": true, \"top_logprobs\": 1}")
                .statusCode(200).extract().asString());
    assertEquals(4, chunks.size());
    for (JsonNode chunk : chunks.subList(1, 3)) {
      JsonNode content = chunk.path("choices").path(0).path("logprobs").path("content");
      assertEquals(1, content.size());
      assertEquals(1, content.path(0).path("top_logprobs").size());
    }
  }

  @Test
  void badConversationsAreNamed() {
    invalid(chat("{\"model\": \"fake-model\"}"), "messages");
    invalid(chat("{\"model\": \"fake-model\", \"messages\": []}"), "messages");
    invalid(chat("{\"model\": \"fake-model\", \"messages\": [{\"role\": \"robot\", \"content\": \"hi\"}]}"), "messages[0].role");
    invalid(chat("{\"model\": \"fake-model\", \"messages\": [{\"content\": \"hi\"}]}"), "messages[0].role");
    invalid(chat("{\"model\": \"fake-model\", \"messages\": [{\"role\": \"user\", \"content\": 5}]}"), "messages[0].content");
    invalid(chat("{\"model\": \"fake-model\", \"messages\": [null]}"), "messages[0]");
    invalid(chat("{\"model\": \"fake-model\", \"messages\": {\"role\": \"user\"}}"), "messages");
    String tooLong = "a".repeat(FakeModelProfile.MAX_PROMPT_TOKENS);
    invalid(chat("{\"model\": \"fake-model\", \"messages\": [{\"role\": \"user\", \"content\": \"" + tooLong + "\"}]}"), "messages");
  }

  @Test
  void parametersAreNamedAsOpenAiNamesThem() {
    String base = "{\"model\": \"fake-model\", " + CONVERSATION + ", ";
    invalid(chat(base + "\"top_logprobs\": 2}"), "top_logprobs");
    invalid(chat(base + "\"logprobs\": true, \"top_logprobs\": 21}"), "top_logprobs");
    invalid(chat(base + "\"temperature\": -1}"), "temperature");
    invalid(chat(base + "\"max_completion_tokens\": 0}"), "max_tokens");
    invalid(chat(base + "\"max_tokens\": 250}"), "max_tokens");
    invalid(chat(base + "\"n\": 3}"), "n");
    invalid(chat(base + "\"logit_bias\": {\"1\": 5}}"), "logit_bias");
    invalid(chat(base + "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]}"), "tools");
    invalid(chat(base + "\"response_format\": {\"type\": \"json_object\"}}"), "response_format");
    invalid(chat(base + "\"stream\": false, \"stream_options\": {\"include_usage\": true}}"), "stream_options");
    chat(base + "\"max_tokens\": 1, \"response_format\": {\"type\": \"text\"}, \"tools\": [], \"n\": 1}").statusCode(200);
  }

  @Test
  void theModelMustBeNamedAndServed() {
    invalid(chat("{" + CONVERSATION + "}"), "model");
    chat("{\"model\": \"other\", " + CONVERSATION + "}").statusCode(404).body("error.code", equalTo("model_not_found"));
  }
}
