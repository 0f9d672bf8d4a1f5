package io.lckv.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.converter.golden.Golden;
import io.lckv.converter.golden.LogitDeviation;
import io.lckv.converter.golden.PromptGolden;
import io.lckv.converter.graph.WeightFormat;
import io.lckv.engine.runner.PrefillMode;
import io.lckv.engine.runner.RunnerException;
import io.lckv.engine.runner.SequenceStep;
import io.lckv.engine.runner.SequenceStep.LogitsRows;
import io.lckv.engine.runner.StepBatch;
import io.lckv.nativeops.PoolDtype;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CPU's prepacked-graph cache on a golden fixture: written on the first open, mapped on the
 * next, keyed by the weights it was made from, and never in the way of serving when it cannot be
 * written or read. Every session it hands out computes exactly what the folder's own graph does.
 */
class PrepackedGraphCacheTest {

  private static Golden golden;
  private static ModelFolder model;
  private static float[][] expected;

  @TempDir Path temp;

  @BeforeAll
  static void plainLogits() throws RunnerException {
    golden = FixtureModels.all().getFirst().load();
    model = FixtureModels.converted(golden);
    expected = prefillLogits(model, Optional.empty(), new Log());
    PromptGolden prompt = golden.prompts().getFirst();
    assertTrue(LogitDeviation.max(prompt.reference().logits(), expected) <= 1e-4);
  }

  @Test
  void theFirstOpenKeepsThePackedGraphAndLaterOpensMapIt() throws Exception {
    Path root = temp.resolve("prepacked");
    var first = new Log();
    assertArrayEquals(expected, prefillLogits(model, Optional.of(root), first));
    assertTrue(first.text().contains("packing"), first.text());

    Path entry = new PrepackedGraphCache(root).entryFor(model);
    try (Stream<Path> entries = Files.list(root)) {
      assertEquals(List.of(entry), entries.toList(), "one entry, no partial folder left");
    }
    assertTrue(first.text().contains("mapping the prepacked weights kept at " + entry),
        "the first open serves from the entry it wrote too: " + first.text());
    assertTrue(Files.size(entry.resolve("model.onnx.data")) > Files.size(model.weightsFile()),
        "the entry holds the packed weights besides the weights");
    assertEquals(Files.getPosixFilePermissions(Files.createDirectory(temp.resolve("plain"))),
        Files.getPosixFilePermissions(entry),
        "a plain folder's permissions, not a temporary one's owner-only ones: the server may run"
            + " as another user than the writer");

    var second = new Log();
    assertArrayEquals(expected, prefillLogits(model, Optional.of(root), second));
    assertTrue(second.text().contains("mapping the prepacked weights kept at " + entry),
        second.text());
  }

  @Test
  void aPartialEntryLeftByAKilledWriterIsRemovedByTheNextOne() throws Exception {
    Path root = temp.resolve("prepacked");
    Path entry = new PrepackedGraphCache(root).entryFor(model);
    Path left = Files.createDirectories(root.resolve("." + entry.getFileName() + ".partial-x"));
    Files.setLastModifiedTime(left, FileTime.fromMillis(0));
    prefillLogits(model, Optional.of(root), new Log());
    try (Stream<Path> entries = Files.list(root)) {
      assertEquals(List.of(entry), entries.toList());
    }
  }

  @Test
  void float16WeightsAreKeptAndComputeWhatTheFolderDoes() throws Exception {
    ModelFolder half = convertedTo(WeightFormat.FP16);
    float[][] plain = prefillLogits(half, Optional.empty(), new Log());
    Path root = temp.resolve("prepacked");
    prefillLogits(half, Optional.of(root), new Log());
    var log = new Log();
    assertArrayEquals(plain, prefillLogits(half, Optional.of(root), log));
    assertTrue(log.text().contains("mapping the prepacked weights"), log.text());
  }

  @Test
  void int8WeightsAreNotKept() throws Exception {
    ModelFolder int8 = convertedTo(WeightFormat.INT8);
    float[][] plain = prefillLogits(int8, Optional.empty(), new Log());
    Path root = temp.resolve("prepacked");
    var log = new Log();
    assertArrayEquals(plain, prefillLogits(int8, Optional.of(root), log));
    assertTrue(log.text().contains("has int8 weights, whose packing ONNX Runtime does not store"),
        log.text());
    assertFalse(Files.exists(root), "nothing written");
  }

  @Test
  void theEntryFollowsTheWeightsFileAndTheGraph() throws IOException {
    Path copy = temp.resolve("copy");
    Files.createDirectories(copy);
    try (Stream<Path> files = Files.list(model.folder())) {
      for (Path file : files.toList()) {
        Files.copy(file, copy.resolve(file.getFileName()));
      }
    }
    var cache = new PrepackedGraphCache(temp.resolve("prepacked"));
    Path weights = copy.resolve(model.weightsFile().getFileName());
    Files.setLastModifiedTime(weights, FileTime.fromMillis(1_000_000_000_000L));
    Path before = cache.entryFor(ModelFolder.open(copy));
    assertEquals(before, cache.entryFor(ModelFolder.open(copy)), "the same folder, the same key");

    Files.setLastModifiedTime(weights, FileTime.fromMillis(1_000_000_000_999L));
    assertEquals(before, cache.entryFor(ModelFolder.open(copy)),
        "an image layer keeps whole seconds only");

    Files.setLastModifiedTime(weights, FileTime.fromMillis(1_000_000_002_000L));
    Path touched = cache.entryFor(ModelFolder.open(copy));
    assertNotEquals(before, touched, "rewritten weights");

    try (var channel = FileChannel.open(weights, StandardOpenOption.WRITE)) {
      channel.truncate(channel.size() - 4);
    }
    Files.setLastModifiedTime(weights, FileTime.fromMillis(1_000_000_002_000L));
    assertNotEquals(touched, cache.entryFor(ModelFolder.open(copy)), "weights of another size");

    Files.writeString(copy.resolve("model.onnx"), "\n", StandardOpenOption.APPEND);
    Files.setLastModifiedTime(weights, FileTime.fromMillis(1_000_000_000_000L));
    assertNotEquals(before, cache.entryFor(ModelFolder.open(copy)), "another graph");
  }

  @Test
  void aModelReachedThroughALinkHasTheEntryOfItsFolder() throws IOException {
    Path link = Files.createSymbolicLink(temp.resolve("current"), model.folder().toAbsolutePath());
    var cache = new PrepackedGraphCache(temp.resolve("prepacked"));
    assertEquals(cache.entryFor(model), cache.entryFor(ModelFolder.open(link)));
  }

  @Test
  void aCacheThatCannotBeWrittenServesTheFolderAsItIs() throws Exception {
    Path notAFolder = Files.writeString(temp.resolve("file"), "x");
    var log = new Log();
    assertArrayEquals(expected, prefillLogits(model, Optional.of(notAFolder.resolve("cache")),
        log));
    assertTrue(log.text().contains("cannot write the prepacked graph under"), log.text());
  }

  @Test
  void aBrokenEntryIsReportedAndTheFolderServed() throws Exception {
    Path root = temp.resolve("prepacked");
    prefillLogits(model, Optional.of(root), new Log());
    Path data = new PrepackedGraphCache(root).entryFor(model).resolve("model.onnx.data");
    try (var channel = FileChannel.open(data, StandardOpenOption.WRITE)) {
      channel.truncate(channel.size() / 2);
    }
    var log = new Log();
    assertArrayEquals(expected, prefillLogits(model, Optional.of(root), log));
    assertTrue(log.text().contains("cannot open the prepacked graph at"), log.text());
    assertTrue(log.text().contains("delete the entry"), log.text());
    assertFalse(log.text().contains("packing"), "a broken entry is not replaced behind the back");
  }

  /** The fixture converted with {@code format} weights (the shared fixtures are float32). */
  private ModelFolder convertedTo(WeightFormat format) {
    return new ConversionCache(temp.resolve("converted"))
        .resolve(golden.checkpoint(), format, FixtureModels.quiet());
  }

  /** The first prompt's logits, every row, from one reference-mode prefill. */
  private static float[][] prefillLogits(ModelFolder folder, Optional<Path> cache, Log log)
      throws RunnerException {
    var options = new RunnerOptions(new ExecutionDevice.Cpu(1, cache), 1 << 20, 16,
        PoolDtype.F32);
    PromptGolden prompt = golden.prompts().getFirst();
    try (var runner = OrtModelRunner.open(folder, options, log.stream())) {
      var step = new SequenceStep(0, prompt.ids(), IntStream.range(0, prompt.length()).toArray(),
          FixtureModels.emptyCache(0, Math.ceilDiv(prompt.length(), 16), 16),
          PrefillMode.REFERENCE, prompt.reference().passes(), LogitsRows.ALL);
      return runner.step(new StepBatch(List.of(step))).getFirst().rows();
    }
  }

  /** What the cache told the operator. */
  private static final class Log {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    PrintStream stream() {
      return stream;
    }

    String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }
}
