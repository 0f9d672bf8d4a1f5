package io.lckv.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lckv.engine.GenerationEvent;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * A generation streamed as server-sent events exactly as OpenAI writes them: each chunk as {@code
 * data: <json>} and a blank line, flushed as soon as the engine has it, then {@code data:
 * [DONE]}. A failure after the stream has begun is sent as an {@code error} object before [DONE].
 * A client that goes away cancels the request ({@link Generation} watches the connection).
 */
final class EventStream implements StreamingOutput {

  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private final Generation generation;
  private final AnswerFormat format;
  private final ObjectMapper json;

  private EventStream(Generation generation, AnswerFormat format, ObjectMapper json) {
    this.generation = generation;
    this.format = format;
    this.json = json;
  }

  static Response response(Generation generation, AnswerFormat format, ObjectMapper json) {
    return Response.ok(new EventStream(generation, format, json))
        .type("text/event-stream; charset=utf-8")
        .header("Cache-Control", "no-cache")
        // Reverse proxies such as nginx would otherwise hold tokens back in their buffers.
        .header("X-Accel-Buffering", "no")
        .build();
  }

  @Override
  public void write(OutputStream out) {
    try {
      send(out, format.opening());
      for (var event = generation.next(); event.isPresent(); event = generation.next()) {
        switch (event.get()) {
          case GenerationEvent.Token token -> send(out, format.token(token).stream().toList());
          case GenerationEvent.Finished end -> {
            Optional<ApiException> failure = Generation.failure(end);
            send(out, failure.isPresent() ? List.of(failure.get().body()) : format.closing(end));
            out.write(DONE);
            out.flush();
            return;
          }
        }
      }
    } catch (IOException e) {
      generation.abandon();
    } catch (InterruptedException e) {
      generation.abandon();
      Thread.currentThread().interrupt();
    }
  }

  private void send(OutputStream out, List<Object> chunks) throws IOException {
    if (chunks.isEmpty()) {
      return;
    }
    for (Object chunk : chunks) {
      out.write("data: ".getBytes(StandardCharsets.US_ASCII));
      out.write(json.writeValueAsBytes(chunk));
      out.write("\n\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.flush();
  }
}
