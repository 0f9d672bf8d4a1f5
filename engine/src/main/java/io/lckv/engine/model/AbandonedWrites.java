package io.lckv.engine.model;

import io.lckv.converter.output.FolderFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

/**
 * Removes what a killed writer left in a cache: the hidden {@code .<entry>.partial-*} folders an
 * entry is built in before it is renamed into place. A process killed while writing one (SIGKILL,
 * the OOM killer, a lost node) leaves it behind with up to twice a model's weights in it, on a
 * volume other pods share. A writer that is alive keeps writing, so a folder whose newest file
 * is older than {@link #ABANDONED_AFTER} is taken for abandoned.
 */
final class AbandonedWrites {

  /** Far beyond the longest pause between two writes of a conversion or a graph save. */
  static final Duration ABANDONED_AFTER = Duration.ofHours(1);

  private AbandonedWrites() {}

  /** Removes the abandoned partial folders of {@code entry}, saying so on {@code log}. */
  static void remove(Path entry, Instant now, PrintStream log) {
    Path parent = entry.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      return;
    }
    String prefix = FolderFiles.siblingPrefix(entry, FolderFiles.PARTIAL);
    try (Stream<Path> siblings = Files.list(parent)) {
      for (Path partial : siblings.filter(p -> p.getFileName().toString().startsWith(prefix))
          .toList()) {
        if (newestWrite(partial).toInstant().isBefore(now.minus(ABANDONED_AFTER))) {
          FolderFiles.deleteRecursively(partial);
          log.println("lckv: removed " + partial + ", left by a writer that stopped");
        }
      }
    } catch (IOException | UncheckedIOException e) {
      log.println("lckv: cannot clear abandoned writes next to " + entry + " (" + e + ")");
    }
  }

  private static FileTime newestWrite(Path folder) throws IOException {
    try (Stream<Path> files = Files.walk(folder)) {
      FileTime newest = Files.getLastModifiedTime(folder);
      for (Path file : files.toList()) {
        FileTime written = Files.getLastModifiedTime(file);
        if (written.compareTo(newest) > 0) {
          newest = written;
        }
      }
      return newest;
    }
  }
}
