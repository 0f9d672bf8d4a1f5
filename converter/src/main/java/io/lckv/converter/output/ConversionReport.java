package io.lckv.converter.output;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lckv.converter.graph.WeightFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SortedMap;

/**
 * {@code conversion-report.json}: where a model folder came from (every source file with its
 * SHA-256), how it was made, and what its validation measured.
 */
final class ConversionReport {

  static final String FILE_NAME = "conversion-report.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ConversionReport() {}

  static ObjectNode of(String converter, String opsVersion, Path checkpoint,
      SortedMap<Path, String> sourceHashes, ModelFolderWriter.Options options, Path folder,
      double conversionSeconds, Optional<ObjectNode> validation) {
    ObjectNode root = JSON.createObjectNode();
    root.put("schema_version", 1);
    root.put("converter", converter);
    root.put("lckv_ops_version", opsVersion);
    root.put("checkpoint", checkpoint.toString());
    ArrayNode sources = root.putArray("source_files");
    sourceHashes.forEach((file, sha256) -> sources.addObject()
        .put("file", checkpoint.relativize(file).toString())
        .put("bytes", size(file))
        .put("sha256", sha256));
    root.putObject("options")
        .put("dtype", options.format().optionName())
        .put("int8_accuracy", options.format() == WeightFormat.INT8
            ? options.int8Accuracy().optionName() : null)
        .put("validate", validation.isPresent())
        .put("force", options.force())
        .put("threads", options.parallelism().threads());
    ArrayNode outputs = root.putArray("output_files");
    try (var files = Files.list(folder)) {
      files.sorted().forEach(file -> outputs.addObject()
          .put("file", file.getFileName().toString())
          .put("bytes", size(file)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + folder, e);
    }
    root.put("conversion_seconds", conversionSeconds);
    validation.ifPresentOrElse(v -> root.set("validation", v), () -> root.putNull("validation"));
    return root;
  }

  static void write(ObjectNode report, Path folder) {
    JsonFiles.write(report, folder.resolve(FILE_NAME));
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the size of " + file, e);
    }
  }
}
