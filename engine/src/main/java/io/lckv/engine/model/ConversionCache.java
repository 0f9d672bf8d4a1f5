package io.lckv.engine.model;

import io.lckv.converter.CheckpointException;
import io.lckv.converter.ConversionException;
import io.lckv.converter.graph.WeightFormat;
import io.lckv.converter.output.ModelFolderWriter;
import io.lckv.converter.output.RuntimeConfig;
import io.lckv.converter.output.Sha256;
import io.lckv.nativeops.OpLibrary;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Turns a Hugging Face checkpoint folder into a converted model folder once, under a cache
 * directory, and reuses it on later starts. The entry's name carries a SHA-256 over everything
 * the conversion depends on: every file of the checkpoint folder (name and content), the weight
 * format, the op contract and the converter build. So an edited checkpoint or a new release
 * converts again, and two servers sharing the cache agree on the entry.
 */
public final class ConversionCache {

  private final Path root;

  public ConversionCache(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /**
   * The converted folder for {@code modelPath}: the folder itself when it is already converted,
   * otherwise the cache entry for the checkpoint, converted now if absent.
   */
  public ModelFolder resolve(Path modelPath, WeightFormat format, PrintStream log) {
    if (!Files.isDirectory(modelPath)) {
      throw new ModelLoadException(modelPath + ": no such model folder");
    }
    if (ModelFolder.isConverted(modelPath)) {
      return ModelFolder.open(modelPath);
    }
    if (!Files.isRegularFile(modelPath.resolve("config.json"))) {
      throw new ModelLoadException(modelPath + ": neither a converted model folder ("
          + RuntimeConfig.FILE_NAME + ") nor a Hugging Face checkpoint (config.json)");
    }
    Path entry = entryFor(modelPath, format);
    if (ModelFolder.isConverted(entry)) {
      log.println("lckv: using the converted model cached at " + entry);
      return ModelFolder.open(entry);
    }
    AbandonedWrites.remove(entry, Instant.now(), log);
    log.println("lckv: converting " + modelPath + " (" + format.optionName() + ") into " + entry);
    try {
      ModelFolderWriter.write(modelPath, entry, new ModelFolderWriter.Options(format, false),
          Optional.empty(), "lckv-engine " + OpLibrary.version(), log);
    } catch (ConversionException e) {
      // Another process sharing the cache published the same entry first: same key, same result.
      if (!ModelFolder.isConverted(entry)) {
        throw new ModelLoadException(modelPath + ": conversion failed: " + e.getMessage(), e);
      }
    } catch (CheckpointException e) {
      throw new ModelLoadException(e.getMessage(), e);
    } catch (UncheckedIOException e) {
      throw new ModelLoadException(modelPath + ": conversion failed: " + e.getMessage() + ": "
          + e.getCause().getMessage(), e);
    }
    return ModelFolder.open(entry);
  }

  /** Where {@code checkpoint} converted to {@code format} lives in this cache. */
  public Path entryFor(Path checkpoint, WeightFormat format) {
    var inputs = new StringBuilder()
        .append("format ").append(format.optionName()).append('\n')
        .append("ops ").append(OpLibrary.version()).append('\n')
        .append("converter ").append(converterBuild()).append('\n');
    for (Path file : checkpointFiles(checkpoint)) {
      inputs.append("file ").append(file.getFileName()).append(' ').append(hashOf(file))
          .append('\n');
    }
    String key = Sha256.ofText(inputs.toString()).substring(0, 24);
    String name = checkpoint.toAbsolutePath().normalize().getFileName().toString();
    return root.resolve(name + "-" + format.optionName() + "-" + key);
  }

  private static List<Path> checkpointFiles(Path checkpoint) {
    try (Stream<Path> files = Files.list(checkpoint)) {
      return files
          .filter(Files::isRegularFile)
          .filter(f -> !f.getFileName().toString().startsWith("."))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new ModelLoadException(checkpoint + ": cannot list: " + e.getMessage(), e);
    }
  }

  /**
   * The converter's own bytes (its jar, or its classes folder in a development build), so a
   * rebuilt converter never reuses an entry written by another build.
   */
  private static String converterBuild() {
    var source = ModelFolderWriter.class.getProtectionDomain().getCodeSource();
    if (source == null) {
      return "unknown";
    }
    Path location;
    try {
      location = Path.of(source.getLocation().toURI());
    } catch (URISyntaxException | IllegalArgumentException e) {
      return "unknown";
    }
    var files = new StringBuilder();
    try (Stream<Path> walk = Files.walk(location)) {
      for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
        files.append(location.relativize(file)).append(' ').append(hashOf(file)).append('\n');
      }
    } catch (IOException e) {
      throw new ModelLoadException(location + ": cannot read the converter: " + e.getMessage(), e);
    }
    return Sha256.ofText(files.toString());
  }

  private static String hashOf(Path file) {
    try {
      return Sha256.of(file);
    } catch (UncheckedIOException e) {
      throw new ModelLoadException(file + ": cannot read: " + e.getCause().getMessage(), e);
    }
  }

}
