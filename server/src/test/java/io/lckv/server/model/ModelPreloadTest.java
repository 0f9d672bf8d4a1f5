package io.lckv.server.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.engine.LetterTokenizer;
import io.lckv.engine.PagedFakeRunner;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The model opened while Quarkus boots is served only when the server would open the same. */
class ModelPreloadTest {

  private static final ModelOptions OPTIONS =
      new ModelOptions(Path.of("models/m"), Device.CPU, 1 << 20, 16, Path.of("cache"), 2, true);

  /** Opens a fake model and remembers what happened to it. */
  private static class Backend implements ModelBackend {
    final AtomicInteger opens = new AtomicInteger();
    final AtomicBoolean closed = new AtomicBoolean();

    @Override
    public LoadedModel open(ModelOptions options) throws Exception {
      opens.incrementAndGet();
      return new LoadedModel(new PagedFakeRunner(PagedFakeRunner.spec(8, 16, 64, 4)),
          new LetterTokenizer(),
          new TokenizerConfig(Optional.empty(), Optional.empty(), Optional.empty()),
          () -> closed.set(true));
    }
  }

  private static final class OtherBackend extends Backend {}

  @AfterEach
  void nothingLeftBehind() throws InterruptedException {
    assertEquals(Optional.empty(), ModelPreload.take(OPTIONS, new Backend()));
  }

  @Test
  void theSameSettingsAndBackendServeTheModelOpenedEarlyOnce() throws Exception {
    var backend = new Backend();
    ModelPreload.start(() -> Optional.of(OPTIONS), backend);
    assertTrue(ModelPreload.take(OPTIONS, backend).isPresent());
    assertEquals(Optional.empty(), ModelPreload.take(OPTIONS, backend), "only once");
    assertEquals(1, backend.opens.get());
    assertFalse(backend.closed.get());
  }

  @Test
  void otherSettingsCloseTheModelOpenedEarly() throws Exception {
    var backend = new Backend();
    ModelPreload.start(() -> Optional.of(OPTIONS), backend);
    var other = new ModelOptions(Path.of("models/m"), Device.CPU, 2 << 20, 16, Path.of("cache"),
        2, true);
    assertEquals(Optional.empty(), ModelPreload.take(other, backend));
    assertTrue(backend.closed.get());
  }

  @Test
  void anotherBackendClosesTheModelOpenedEarly() throws Exception {
    var backend = new OtherBackend();
    ModelPreload.start(() -> Optional.of(OPTIONS), backend);
    assertEquals(Optional.empty(), ModelPreload.take(OPTIONS, new Backend()));
    assertTrue(backend.closed.get());
  }

  @Test
  void aProxySubclassOfTheBackendIsTheSameBackend() throws Exception {
    var backend = new Backend();
    ModelPreload.start(() -> Optional.of(OPTIONS), backend);
    assertTrue(ModelPreload.take(OPTIONS, new OtherBackend()).isPresent());
  }

  @Test
  void settingsThatCouldNotBeReadOpenNothing() throws Exception {
    var backend = new Backend();
    ModelPreload.start(Optional::empty, backend);
    assertEquals(Optional.empty(), ModelPreload.take(OPTIONS, backend));
    assertEquals(0, backend.opens.get());
  }

  @Test
  void aFailedEarlyOpenLeavesTheOpenToTheServer() throws Exception {
    ModelPreload.start(() -> Optional.of(OPTIONS), new Backend() {
      @Override
      public LoadedModel open(ModelOptions options) {
        throw new IllegalStateException("no such model");
      }
    });
    assertEquals(Optional.empty(), ModelPreload.take(OPTIONS, new Backend()));
  }

  @Test
  void onlyOneEarlyOpenAtATime() throws Exception {
    var backend = new Backend();
    ModelPreload.start(() -> Optional.of(OPTIONS), backend);
    assertThrows(IllegalStateException.class,
        () -> ModelPreload.start(() -> Optional.of(OPTIONS), backend));
    ModelPreload.take(OPTIONS, backend).orElseThrow().close();
  }
}
