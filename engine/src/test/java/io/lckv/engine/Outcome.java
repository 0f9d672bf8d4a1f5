package io.lckv.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Everything a request's event stream said, gathered up. */
record Outcome(List<Integer> tokens, String text, GenerationEvent.Finished finished, List<GenerationEvent> events) {

  FinishReason reason() {
    return finished.reason();
  }

  /** Reads the events that are there; fails if the request has not finished. */
  static Outcome of(GenerationHandle handle) {
    try {
      return read(handle, Duration.ZERO);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** Waits for the request to finish. */
  static Outcome await(GenerationHandle handle) throws InterruptedException {
    return read(handle, Duration.ofSeconds(30));
  }

  private static Outcome read(GenerationHandle handle, Duration patience)
      throws InterruptedException {
    List<Integer> tokens = new ArrayList<>();
    List<GenerationEvent> events = new ArrayList<>();
    var text = new StringBuilder();
    while (true) {
      Optional<GenerationEvent> next = handle.nextEvent(patience);
      if (next.isEmpty()) {
        throw new AssertionError("request " + handle.id() + " has not finished: " + events);
      }
      events.add(next.get());
      switch (next.get()) {
        case GenerationEvent.Token token -> {
          tokens.add(token.tokenId());
          text.append(token.text());
        }
        case GenerationEvent.Finished finished -> {
          text.append(finished.text());
          return new Outcome(tokens, text.toString(), finished, events);
        }
      }
    }
  }

  /** What batch independence compares: tokens, text and why it ended. */
  String summary() {
    return reason() + " " + tokens + " \"" + text + "\"";
  }
}
