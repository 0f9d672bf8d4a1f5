package io.lckv.converter;

import java.nio.file.Path;

/**
 * The one failure a user's checkpoint folder can cause: its message is a single line that starts
 * with the file at fault and says what is wrong there, so the CLI can print it as is.
 */
public final class CheckpointException extends RuntimeException {

  private static final long serialVersionUID = 1L;
  private static final int MAX_QUOTED_CHARS = 160;

  private final transient Path file;

  public CheckpointException(Path file, String problem) {
    super(singleLine(file + ": " + problem));
    this.file = file;
  }

  public CheckpointException(Path file, String problem, Throwable cause) {
    super(singleLine(file + ": " + problem), cause);
    this.file = file;
  }

  /** The file the message starts with. */
  public Path file() {
    return file;
  }

  /**
   * Quotes text taken from the input (tensor names, JSON strings) so that a hostile name cannot
   * break the message over lines or flood it.
   */
  public static String quote(String text) {
    var out = new StringBuilder(Math.min(text.length(), MAX_QUOTED_CHARS) + 8).append('"');
    for (int i = 0; i < text.length(); i++) {
      if (i == MAX_QUOTED_CHARS) {
        out.append("...");
        break;
      }
      char c = text.charAt(i);
      switch (c) {
        case '"', '\\' -> out.append('\\').append(c);
        default -> {
          if (c < 0x20 || c == 0x7f) {
            out.append(String.format("\\x%02x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  private static String singleLine(String message) {
    return message.replace("\r", "\\r").replace("\n", "\\n");
  }
}
