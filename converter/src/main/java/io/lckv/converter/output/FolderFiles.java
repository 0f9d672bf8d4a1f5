package io.lckv.converter.output;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;

/** Folder operations of an atomic write: a hidden sibling to build in, the swap, the clean-up. */
public final class FolderFiles {

  private static final SecureRandom RANDOM = new SecureRandom();

  private FolderFiles() {}

  /** The purpose of the folder an output is built in before it is renamed into place. */
  public static final String PARTIAL = "partial";

  /**
   * A new empty folder next to {@code out}, named after it, hidden; created with the default
   * permissions (not a temporary folder's owner-only ones), since it becomes the model folder.
   */
  public static Path siblingOf(Path out, String purpose) {
    for (int attempt = 0; ; attempt++) {
      Path candidate = out.resolveSibling(siblingPrefix(out, purpose)
          + Long.toUnsignedString(RANDOM.nextLong(), 36));
      try {
        return Files.createDirectory(candidate);
      } catch (FileAlreadyExistsException e) {
        if (attempt == 100) {
          throw new UncheckedIOException("cannot find a free name next to " + out, e);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a folder next to " + out, e);
      }
    }
  }

  /** How the names of {@code out}'s siblings for {@code purpose} begin. */
  public static String siblingPrefix(Path out, String purpose) {
    return "." + out.getFileName() + "." + purpose + "-";
  }

  /**
   * Puts {@code built} at {@code out} with one rename; an existing {@code out} is first renamed
   * aside and deleted only once the new folder is in place (put back if that fails).
   */
  static void publish(Path built, Path out) {
    try {
      if (!Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
        Files.move(built, out, StandardCopyOption.ATOMIC_MOVE);
        return;
      }
      Path aside = siblingOf(out, "replaced");
      Files.delete(aside);
      Files.move(out, aside, StandardCopyOption.ATOMIC_MOVE);
      try {
        Files.move(built, out, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        Files.move(aside, out, StandardCopyOption.ATOMIC_MOVE);
        throw e;
      }
      deleteRecursively(aside);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move the converted model to " + out, e);
    }
  }

  /** Deletes a file or folder tree without following links. */
  public static void deleteRecursively(Path path) {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.walkFileTree(path, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          if (e != null) {
            throw e;
          }
          Files.delete(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path, e);
    }
  }
}
