package io.lckv.converter.output;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The tokenizer and generation files a model folder carries over from its checkpoint. */
final class TokenizerFiles {

  static final List<String> NAMES = List.of("tokenizer.json", "tokenizer_config.json",
      "generation_config.json", "special_tokens_map.json");

  private TokenizerFiles() {}

  /** Those of {@link #NAMES} present in {@code checkpoint}. */
  static List<Path> present(Path checkpoint) {
    var found = new ArrayList<Path>();
    for (String name : NAMES) {
      Path file = checkpoint.resolve(name);
      if (Files.isRegularFile(file)) {
        found.add(file);
      }
    }
    return found;
  }

  static void copy(List<Path> files, Path folder) {
    for (Path file : files) {
      try {
        Files.copy(file, folder.resolve(file.getFileName()));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot copy " + file, e);
      }
    }
  }
}
