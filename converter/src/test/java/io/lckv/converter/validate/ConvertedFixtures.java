package io.lckv.converter.validate;

import io.lckv.converter.golden.Golden;
import io.lckv.converter.graph.Int8Accuracy;
import io.lckv.converter.graph.Parallelism;
import io.lckv.converter.graph.WeightFormat;
import io.lckv.converter.output.ModelFolderWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Golden checkpoints converted once per test run and format, into one temporary folder removed
 * when the JVM exits: several test classes read the same conversions.
 */
final class ConvertedFixtures {

  private static final Path ROOT = createRoot();
  private static final Map<String, Path> CONVERTED = new ConcurrentHashMap<>();
  private static final Map<String, Double> SECONDS = new ConcurrentHashMap<>();

  private ConvertedFixtures() {}

  /** The model folder of {@code golden} in {@code format}, converting it on first use. */
  static Path of(Golden golden, WeightFormat format) {
    return of(golden, format, Int8Accuracy.INT8);
  }

  /** The same with int8 computed at {@code int8Accuracy}. */
  static Path of(Golden golden, WeightFormat format, Int8Accuracy int8Accuracy) {
    String key = key(golden, format, int8Accuracy);
    return CONVERTED.computeIfAbsent(key, k -> {
      Path out = ROOT.resolve(k);
      long start = System.nanoTime();
      ModelFolderWriter.write(golden.checkpoint(), out,
          new ModelFolderWriter.Options(format, int8Accuracy, false, Parallelism.available()),
          Optional.empty(), "test", new PrintStream(OutputStream.nullOutputStream()));
      SECONDS.put(k, (System.nanoTime() - start) / 1e9);
      return out;
    });
  }

  /** Wall time of the conversion behind {@link #of}. */
  static double seconds(Golden golden, WeightFormat format) {
    of(golden, format);
    return SECONDS.get(key(golden, format, Int8Accuracy.INT8));
  }

  private static String key(Golden golden, WeightFormat format, Int8Accuracy int8Accuracy) {
    String key = golden.fixture().name() + "-" + format.optionName();
    return format == WeightFormat.INT8 ? key + "-" + int8Accuracy.optionName() : key;
  }

  private static Path createRoot() {
    try {
      Path root = Files.createTempDirectory("lckv-converted-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path root) {
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort at exit
    }
  }
}
