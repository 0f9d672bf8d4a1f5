package io.lckv.engine.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.lckv.converter.output.FolderFiles;
import io.lckv.converter.output.Sha256;
import io.lckv.nativeops.OpLibrary;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Keeps, for each converted model served on the CPU, the graph as ONNX Runtime writes it once a
 * session is prepared: graph optimizations applied and each constant MatMul weight stored a second
 * time, packed into the layout MLAS multiplies from. Opened from that copy, ONNX Runtime maps the
 * packed weights from the file instead of holding packed copies on the heap, so a model's
 * weights stay file-backed (shared page cache, reclaimable) while prepacking keeps its speed
 * (docs/benchmarks.md, "Packed weights mapped from the model cache").
 *
 * <p>ONNX Runtime still packs every weight when it opens the copy, since a stored packing is found
 * by a hash of the packed bytes: for float weights, a copy written on a machine that packs
 * differently is not used rather than misused. int8 weights are never kept: their stored packing
 * does not read back right. The graph is saved at the extended optimization level, the last one
 * whose rewrites do not depend on the processor.
 *
 * <p>An entry is keyed by what ONNX Runtime reads: the graph file's content, the weights file's
 * name, size and modification time (in whole seconds, as an image layer keeps it, so an image
 * build gives the files whole-second times; hashing gigabytes at every start would cost what the
 * cache saves), the ONNX Runtime version and the op contract. It holds the weights again (about
 * twice the float32 weights' size on disk). The first open of a model writes it atomically, in the
 * session it serves from; when the entry cannot be written or read, the model is served from its
 * own folder with the weights packed onto the heap, as without a cache.
 */
final class PrepackedGraphCache {

  /** Creates session options with everything but the graph-saving settings this class adds. */
  @FunctionalInterface
  interface SessionSetup {
    OrtSession.SessionOptions create() throws OrtException;
  }

  /**
   * Weight formats whose stored packing reads back as packed. int8 weights (MatMulNBits) do not:
   * a 1.1B-shape model opened from its stored packing computed NaN logits (docs/benchmarks.md).
   */
  private static final Set<String> FAITHFULLY_STORED = Set.of("fp32", "fp16");

  private static final String GRAPH_FILE = "model.onnx";
  private static final String WEIGHTS_FILE = "model.onnx.data";

  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private final Path root;

  PrepackedGraphCache(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** A session over {@code model}'s graph, from this cache's prepacked copy where there is one. */
  OrtSession open(ModelFolder model, SessionSetup setup, PrintStream log)
      throws OrtException {
    if (!FAITHFULLY_STORED.contains(model.weightDtype())) {
      log.println("lckv: " + model.folder() + " has " + model.weightDtype() + " weights, whose"
          + " packing ONNX Runtime does not store faithfully; packing them in memory");
      return openInPlace(model, setup);
    }
    Path entry = entryFor(model);
    if (!Files.isRegularFile(entry.resolve(GRAPH_FILE))) {
      Optional<OrtSession> writer = write(model, entry, setup, log);
      if (writer.isEmpty()) {
        return openInPlace(model, setup);
      }
      if (!Files.isRegularFile(entry.resolve(GRAPH_FILE))) {
        return writer.get();
      }
      // The session that wrote the entry holds the packed weights on the heap, and for float16
      // weights their float32 widening too (8.4 GB against 4.8 GB for a 1.1B model); the entry
      // maps them, and opening it right away also proves it opens.
      writer.get().close();
    }
    try (var options = setup.create()) {
      OrtSession session = ENV.createSession(entry.resolve(GRAPH_FILE).toString(), options);
      log.println("lckv: mapping the prepacked weights kept at " + entry);
      return session;
    } catch (OrtException e) {
      log.println("lckv: cannot open the prepacked graph at " + entry + " (" + e.getMessage()
          + "); serving " + model.folder() + " with its weights packed in memory (delete the"
          + " entry to write it again)");
      return openInPlace(model, setup);
    }
  }

  /**
   * Writes {@code entry} through a session that saves the graph it prepared; that session, or
   * empty when nothing could be written (said on {@code log}).
   */
  private Optional<OrtSession> write(ModelFolder model, Path entry, SessionSetup setup,
      PrintStream log) {
    AbandonedWrites.remove(entry, Instant.now(), log);
    Path building;
    try {
      Files.createDirectories(root);
      // A plain folder's permissions: the entry may be written by one user (lckv-prepack in an
      // init container) and read by another (the server).
      building = FolderFiles.siblingOf(entry, FolderFiles.PARTIAL);
    } catch (IOException | UncheckedIOException e) {
      log.println("lckv: cannot write the prepacked graph under " + root + " (" + e
          + "); serving " + model.folder() + " with its weights packed in memory");
      return Optional.empty();
    }
    log.println("lckv: packing " + model.folder() + "'s weights into " + entry
        + ", once, so that later starts map them");
    OrtSession session;
    try (var options = setup.create()) {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
      options.setOptimizedModelFilePath(building.resolve(GRAPH_FILE).toString());
      options.addConfigEntry("session.optimized_model_external_initializers_file_name",
          WEIGHTS_FILE);
      options.addConfigEntry("session.optimized_model_external_initializers_min_size_in_bytes",
          "1024");
      options.addConfigEntry("session.save_external_prepacked_constant_initializers", "1");
      session = ENV.createSession(model.modelFile().toString(), options);
    } catch (OrtException e) {
      discard(building, log);
      log.println("lckv: cannot write the prepacked graph into " + entry + " (" + e.getMessage()
          + "); serving " + model.folder() + " with its weights packed in memory");
      return Optional.empty();
    }
    publish(building, entry, log);
    return Optional.of(session);
  }

  /** Where the prepacked copy of {@code model} lives in this cache. */
  Path entryFor(ModelFolder model) {
    var inputs = new StringBuilder()
        .append("onnxruntime ").append(ENV.getVersion()).append('\n')
        .append("ops ").append(OpLibrary.version()).append('\n');
    String name;
    try {
      // Named after the folder a link points at, so that a server reaching the model through a
      // link (k8s/README.md's "current") finds what lckv-prepack wrote for the folder itself.
      name = model.folder().toRealPath().getFileName().toString();
      inputs.append("graph ").append(Sha256.of(model.modelFile())).append('\n');
      Path weights = model.weightsFile();
      inputs.append("weights ").append(weights.getFileName()).append(' ')
          .append(Files.size(weights)).append(' ')
          .append(Files.getLastModifiedTime(weights).to(TimeUnit.SECONDS)).append('\n');
    } catch (IOException e) {
      throw new ModelLoadException(model.folder() + ": cannot read: " + e.getMessage(), e);
    } catch (UncheckedIOException e) {
      throw new ModelLoadException(model.folder() + ": cannot read: "
          + e.getCause().getMessage(), e);
    }
    String key = Sha256.ofText(inputs.toString()).substring(0, 24);
    return root.resolve(name + "-cpu-" + key);
  }

  private static OrtSession openInPlace(ModelFolder model, SessionSetup setup)
      throws OrtException {
    try (var options = setup.create()) {
      return ENV.createSession(model.modelFile().toString(), options);
    }
  }

  /**
   * Makes the written copy durable and renames it into place. Another process that published the
   * same entry first wrote the same thing, so losing that race is not an error; failing here
   * leaves the session serving and only costs the next start the packing again.
   */
  private static void publish(Path building, Path entry, PrintStream log) {
    try {
      try (Stream<Path> files = Files.list(building)) {
        for (Path file : files.toList()) {
          try (var channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.force(true);
          }
        }
      }
      Files.move(building, entry, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      discard(building, log);
      if (!Files.isRegularFile(entry.resolve(GRAPH_FILE))) {
        log.println("lckv: cannot keep the prepacked graph at " + entry + " (" + e + ")");
      }
    }
  }

  private static void discard(Path building, PrintStream log) {
    try {
      FolderFiles.deleteRecursively(building);
    } catch (UncheckedIOException e) {
      log.println("lckv: " + e.getMessage() + " (" + e.getCause() + "); delete it by hand");
    }
  }
}
