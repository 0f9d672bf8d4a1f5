package io.lckv.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.engine.text.HfTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class NativeRuntimesTest {

  @Test
  void loadingFromSeveralThreadsAtOnceThenOpeningATokenizerWorks() throws Exception {
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      threads.add(Thread.ofPlatform().start(() -> {
        try {
          NativeRuntimes.load();
        } catch (Throwable t) {
          failures.add(t);
        }
      }));
    }
    for (Thread thread : threads) {
      thread.join();
    }
    assertEquals(List.of(), failures);
    NativeRuntimes.load();
    try (var tokenizer = HfTokenizer.load(Path.of("../models/lckv-tiny-w2/tokenizer.json"))) {
      assertTrue(tokenizer.encode("The jury said", true).length > 0);
    }
  }
}
