package io.lckv.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.converter.golden.Golden;
import io.lckv.converter.graph.WeightFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConversionCacheTest {

  @TempDir Path root;

  private final Golden golden = FixtureModels.all().getFirst().load();
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();

  private PrintStream log() {
    return new PrintStream(log, true, StandardCharsets.UTF_8);
  }

  @Test
  void aCheckpointIsConvertedOnceAndReusedAfterwards() {
    var cache = new ConversionCache(root.resolve("cache"));
    ModelFolder first = cache.resolve(golden.checkpoint(), WeightFormat.FP16, log());
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("converting"), log::toString);
    assertEquals("fp16", first.weightDtype());
    log.reset();

    ModelFolder again = new ConversionCache(root.resolve("cache"))
        .resolve(golden.checkpoint(), WeightFormat.FP16, log());
    assertEquals(first.folder(), again.folder());
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("using the converted model cached"),
        log::toString);
  }

  @Test
  void aPartialConversionLeftByAKilledWriterIsRemovedByTheNextOne() throws IOException {
    var cache = new ConversionCache(root.resolve("cache"));
    Path entry = cache.entryFor(golden.checkpoint(), WeightFormat.FP32);
    Path left = Files.createDirectories(
        root.resolve("cache").resolve("." + entry.getFileName() + ".partial-x"));
    Files.setLastModifiedTime(left, FileTime.fromMillis(0));
    cache.resolve(golden.checkpoint(), WeightFormat.FP32, log());
    try (Stream<Path> entries = Files.list(root.resolve("cache"))) {
      assertEquals(List.of(entry), entries.toList());
    }
  }

  @Test
  void theKeyFollowsTheCheckpointsBytesAndTheFormat() throws IOException {
    var cache = new ConversionCache(root.resolve("cache"));
    Path copy = copyOf(golden.checkpoint(), root.resolve("copy"));
    Path original = cache.entryFor(copy, WeightFormat.FP32);
    assertEquals(original, cache.entryFor(copy, WeightFormat.FP32), "deterministic");
    assertNotEquals(original, cache.entryFor(copy, WeightFormat.FP16));

    Path config = copy.resolve("config.json");
    Files.writeString(config, Files.readString(config) + " ");
    assertNotEquals(original, cache.entryFor(copy, WeightFormat.FP32), "an edited config");
  }

  @Test
  void aConvertedFolderIsUsedInPlace() {
    ModelFolder converted = FixtureModels.converted(golden);
    ModelFolder resolved = new ConversionCache(root.resolve("unused"))
        .resolve(converted.folder(), WeightFormat.FP16, log());
    assertEquals(converted.folder(), resolved.folder());
    assertEquals("fp32", resolved.weightDtype(), "a converted folder keeps its own format");
    assertTrue(Files.notExists(root.resolve("unused")));
  }

  @Test
  void somethingElseIsRefusedByName() throws IOException {
    var cache = new ConversionCache(root.resolve("cache"));
    Path empty = Files.createDirectory(root.resolve("empty"));
    var notModel = assertThrows(ModelLoadException.class,
        () -> cache.resolve(empty, WeightFormat.FP16, log()));
    assertTrue(notModel.getMessage().contains(empty + ": neither a converted model folder"),
        notModel.getMessage());
    var missing = assertThrows(ModelLoadException.class,
        () -> cache.resolve(root.resolve("nope"), WeightFormat.FP16, log()));
    assertTrue(missing.getMessage().endsWith("nope: no such model folder"), missing.getMessage());
  }

  @Test
  void aBrokenCheckpointFailsWithTheConvertersReasonAndLeavesNoEntry() throws IOException {
    Path copy = copyOf(golden.checkpoint(), root.resolve("broken"));
    Files.writeString(copy.resolve("config.json"), "{\"model_type\": \"lckv-llama\"}");
    var cache = new ConversionCache(root.resolve("cache"));
    var e = assertThrows(ModelLoadException.class,
        () -> cache.resolve(copy, WeightFormat.FP32, log()));
    assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    if (Files.exists(root.resolve("cache"))) {
      try (Stream<Path> entries = Files.list(root.resolve("cache"))) {
        assertEquals(0, entries.count(), "nothing half-written in the cache");
      }
    }
  }

  private static Path copyOf(Path folder, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(folder)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }
}
