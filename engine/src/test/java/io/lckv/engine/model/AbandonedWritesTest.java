package io.lckv.engine.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AbandonedWritesTest {

  private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

  @TempDir Path cache;

  private final ByteArrayOutputStream log = new ByteArrayOutputStream();

  /** A partial folder of {@code entry} whose one file was last written at {@code written}. */
  private Path partial(String name, Instant written) throws IOException {
    Path folder = Files.createDirectories(cache.resolve(name));
    Path file = Files.writeString(folder.resolve("model.onnx.data"), "weights");
    Files.setLastModifiedTime(file, FileTime.from(written));
    Files.setLastModifiedTime(folder, FileTime.from(written));
    return folder;
  }

  @Test
  void onlyTheEntrysPartialsIdleForLongerThanTheLimitGo() throws IOException {
    Instant stale = NOW.minus(AbandonedWrites.ABANDONED_AFTER).minusSeconds(1);
    Path abandoned = partial(".m-fp32-abc.partial-1", stale);
    Path writing = partial(".m-fp32-abc.partial-2", NOW.minus(Duration.ofMinutes(5)));
    Path otherEntry = partial(".n-fp32-abc.partial-1", stale);
    Path entry = partial("m-fp32-abc", stale);

    AbandonedWrites.remove(cache.resolve("m-fp32-abc"), NOW,
        new PrintStream(log, true, StandardCharsets.UTF_8));

    assertFalse(Files.exists(abandoned));
    assertTrue(Files.exists(writing), "a writer that wrote 5 minutes ago is alive");
    assertTrue(Files.exists(otherEntry), "another entry's");
    assertTrue(Files.exists(entry), "the entry itself");
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("removed " + abandoned), log::toString);
  }

  @Test
  void aFolderWithARecentFileIsStillBeingWritten() throws IOException {
    Path folder = partial(".m.partial-1", NOW.minus(Duration.ofHours(3)));
    Files.setLastModifiedTime(
        Files.writeString(folder.resolve("model.onnx"), "graph"), FileTime.from(NOW));
    AbandonedWrites.remove(cache.resolve("m"), NOW, new PrintStream(log));
    assertTrue(Files.exists(folder));
  }

  @Test
  void aCacheNotCreatedYetHasNothingToRemove() {
    AbandonedWrites.remove(cache.resolve("absent/m"), NOW, new PrintStream(log));
    assertTrue(log.toString(StandardCharsets.UTF_8).isEmpty());
  }
}
