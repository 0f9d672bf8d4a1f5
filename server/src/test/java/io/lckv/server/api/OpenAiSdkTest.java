package io.lckv.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import io.lckv.server.ApiKeyProfile;
import io.lckv.server.FakeModelProfile;
import io.lckv.server.TestServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's own Java SDK against the running server (behind an API key, as the SDK sends one):
 * its parsers and {@code validate()} accept what the server writes.
 */
@QuarkusTest
@TestProfile(ApiKeyProfile.class)
class OpenAiSdkTest {

  private OpenAIClient client;

  @BeforeEach
  void connect() {
    TestServer.awaitReady();
    client =
        OpenAIOkHttpClient.builder()
            .baseUrl("http://localhost:" + RestAssured.port + "/v1")
            .apiKey(ApiKeyProfile.KEY)
            .maxRetries(0)
            .build();
  }

  @AfterEach
  void close() {
    client.close();
  }

  private static CompletionCreateParams completion(String prompt) {
    return CompletionCreateParams.builder()
        .model(FakeModelProfile.MODEL)
        .prompt(prompt)
        .maxTokens(6)
        .temperature(0.0)
        .logprobs(2)
        .build();
  }

  @Test
  void aCompletion() {
    Completion completion = client.completions().create(completion("hello")).validate();
    CompletionChoice choice = completion.choices().getFirst();
    assertEquals(6, choice.text().length());
    assertEquals(CompletionChoice.FinishReason.LENGTH, choice.finishReason());
    assertEquals(6, choice.logprobs().orElseThrow().tokens().orElseThrow().size());
    assertEquals(5, completion.usage().orElseThrow().promptTokens());
    assertEquals(6, completion.usage().orElseThrow().completionTokens());
  }

  @Test
  void aStreamedCompletionSaysWhatTheWholeOneSays() {
    String whole = client.completions().create(completion("hello")).choices().getFirst().text();
    List<Completion> chunks = new ArrayList<>();
    // Not validate(): the SDK's Completion wants a finish_reason, which OpenAI's own stream
    // chunks leave null until the last.
    try (var stream = client.completions().createStreaming(completion("hello"))) {
      stream.stream().forEach(chunks::add);
    }
    assertEquals(
        whole,
        chunks.stream().map(c -> c.choices().getFirst().text()).collect(Collectors.joining()));
    assertEquals(
        CompletionChoice.FinishReason.LENGTH, chunks.getLast().choices().getFirst().finishReason());
  }

  private static ChatCompletionCreateParams.Builder chat() {
    return ChatCompletionCreateParams.builder()
        .model(FakeModelProfile.MODEL)
        .addSystemMessage("be brief")
        .addUserMessage("hi")
        .maxCompletionTokens(5)
        .temperature(0.0);
  }

  @Test
  void aChatCompletion() {
    ChatCompletion answer = client.chat().completions().create(chat().build()).validate();
    var choice = answer.choices().getFirst();
    assertEquals(5, choice.message().content().orElseThrow().length());
    assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, choice.finishReason());
    assertEquals(5, answer.usage().orElseThrow().completionTokens());
  }

  @Test
  void aStreamedChatCompletionWithUsage() {
    String whole =
        client.chat().completions().create(chat().build()).choices().getFirst().message()
            .content().orElseThrow();
    var params =
        chat().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (var stream = client.chat().completions().createStreaming(params)) {
      stream.stream().map(ChatCompletionChunk::validate).forEach(chunks::add);
    }
    assertEquals(
        whole,
        chunks.stream()
            .filter(c -> !c.choices().isEmpty())
            .map(c -> c.choices().getFirst().delta().content().orElse(""))
            .collect(Collectors.joining()));
    assertEquals(5, chunks.getLast().usage().orElseThrow().completionTokens());
  }

  @Test
  void errorsReachTheCallerAsTheSdksExceptions() {
    var unknown =
        assertThrows(
            NotFoundException.class,
            () -> client.completions().create(completion("hi").toBuilder().model("gpt-4").build()));
    assertTrue(unknown.getMessage().contains("does not exist"), unknown.getMessage());
    var invalid =
        assertThrows(
            BadRequestException.class,
            () -> client.chat().completions().create(chat().temperature(5.0).build()));
    assertTrue(invalid.getMessage().contains("temperature"), invalid.getMessage());
  }
}
