package io.lckv.engine.model;

import io.lckv.converter.golden.Golden;
import io.lckv.converter.golden.GoldenFixture;
import io.lckv.converter.golden.GoldenFixtures;
import io.lckv.converter.graph.WeightFormat;
import io.lckv.converter.output.FolderFiles;
import io.lckv.engine.kv.CacheView;
import io.lckv.engine.kv.KvLength;
import io.lckv.nativeops.PoolDtype;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The converter's golden fixtures (random checkpoints and the PyTorch reference's logits for
 * them) converted to fp32 through a {@link ConversionCache} shared by the engine's tests.
 */
public final class FixtureModels {

  /** The fixtures, read in place from the converter module's test resources. */
  public static final Path FIXTURE_ROOT = Path.of("../converter/src/test/resources/golden");

  private static final ConversionCache CACHE = new ConversionCache(createCacheRoot());

  private FixtureModels() {}

  public static List<GoldenFixture> all() {
    return GoldenFixtures.listedIn(FIXTURE_ROOT);
  }

  public static ModelFolder converted(Golden golden) {
    return CACHE.resolve(golden.checkpoint(), WeightFormat.FP32, quiet());
  }

  /** A float32 cache, so the only difference to the reference is float32 arithmetic. */
  public static RunnerOptions exactOptions(long budgetBytes) {
    return new RunnerOptions(new ExecutionDevice.Cpu(1), budgetBytes, 16, PoolDtype.F32);
  }

  /** A fresh sequence's view of {@code blocks} consecutive pool blocks from {@code first}. */
  public static CacheView emptyCache(int first, int blocks, int blockSize) {
    int[] table = new int[blocks];
    for (int b = 0; b < blocks; b++) {
      table[b] = first + b;
    }
    return new CacheView(table, blockSize, 0, 0, new KvLength.Uniform(0), Optional.empty(),
        false);
  }

  /** A log that drops what it is given. */
  public static PrintStream quiet() {
    return new PrintStream(OutputStream.nullOutputStream());
  }

  private static Path createCacheRoot() {
    try {
      Path root = Files.createTempDirectory("lckv-engine-fixtures");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> FolderFiles.deleteRecursively(root)));
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
