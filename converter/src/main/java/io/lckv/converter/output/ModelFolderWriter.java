package io.lckv.converter.output;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lckv.converter.ConversionException;
import io.lckv.converter.checkpoint.Tensor;
import io.lckv.converter.graph.ConversionProgress;
import io.lckv.converter.graph.ExternalDataFile;
import io.lckv.converter.graph.Int8Accuracy;
import io.lckv.converter.graph.LckvGraphBuilder;
import io.lckv.converter.graph.Parallelism;
import io.lckv.converter.graph.WeightFormat;
import io.lckv.converter.model.ValidatedModel;
import io.lckv.nativeops.OpLibrary;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import onnx.Onnx.ModelProto;

/**
 * Converts a checkpoint folder into a model folder: {@code model.onnx} and its data file, the
 * runtime config, the tokenizer files and the conversion report. All of it is built in a hidden
 * sibling folder that replaces {@code out} with one rename at the very end; on any failure that
 * folder is deleted and {@code out} is left as it was.
 */
public final class ModelFolderWriter {

  /**
   * @param int8Accuracy how ORT may compute int8 weights, for {@code format} int8
   * @param parallelism changes how fast the folder is written, never a byte of it
   */
  public record Options(WeightFormat format, Int8Accuracy int8Accuracy, boolean force,
      Parallelism parallelism) {

    /** The default int8 accuracy, a thread per available processor. */
    public Options(WeightFormat format, boolean force) {
      this(format, Int8Accuracy.INT8, force, Parallelism.available());
    }
  }

  /** A check of the finished folder before it is published (see --validate). */
  @FunctionalInterface
  public interface FolderCheck {

    /**
     * Returns the figures for the conversion report; throws {@link ConversionException} to
     * abandon the conversion.
     */
    ObjectNode check(Path folder, ValidatedModel model);
  }

  private ModelFolderWriter() {}

  /** Writes {@code out}; returns the conversion report. */
  public static ObjectNode write(Path checkpoint, Path out, Options options,
      Optional<FolderCheck> check, String converter, PrintStream log) {
    Path source = checkpoint.toAbsolutePath().normalize();
    Path target = out.toAbsolutePath().normalize();
    refuseUnsafeTarget(source, target, options.force());
    try (ValidatedModel model = ValidatedModel.open(source)) {
      createParent(target);
      Path building = FolderFiles.siblingOf(target, FolderFiles.PARTIAL);
      try {
        ObjectNode report = build(model, source, building, options, check, converter, log);
        FolderFiles.publish(building, target);
        return report;
      } catch (RuntimeException | Error e) {
        FolderFiles.deleteRecursively(building);
        throw e;
      }
    }
  }

  private static ObjectNode build(ValidatedModel model, Path source, Path folder,
      Options options, Optional<FolderCheck> check, String converter, PrintStream log) {
    long start = System.nanoTime();
    String opsVersion = OpLibrary.version();
    List<Path> tokenizer = TokenizerFiles.present(source);
    var sources = new TreeSet<Path>();
    sources.add(model.config().file());
    sources.add(model.checkpoint().origin());
    model.checkpoint().tensors().values().stream().map(Tensor::file).forEach(sources::add);
    sources.addAll(tokenizer);
    try (SourceHashes hashes =
        SourceHashes.start(sources, options.parallelism().background())) {
      log.println("lckv-convert: writing " + RuntimeConfig.MODEL_FILE + " ("
          + options.format().optionName() + " weights)");
      ModelProto proto;
      try (ExternalDataFile data = new ExternalDataFile(folder, options.parallelism())) {
        proto = LckvGraphBuilder.build(model, options.format(), options.int8Accuracy(), data,
            options.parallelism(),
            ConversionProgress.printingTo(log, LckvGraphBuilder.weightCount(model)), converter,
            Map.of("lckv_ops_version", opsVersion, "weight_dtype", options.format().optionName()));
        data.finish();
      }
      try (OutputStream stream =
          Files.newOutputStream(folder.resolve(RuntimeConfig.MODEL_FILE))) {
        proto.writeTo(stream);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + RuntimeConfig.MODEL_FILE, e);
      }
      TokenizerFiles.copy(tokenizer, folder);
      JsonFiles.write(RuntimeConfig.of(model.config(), options.format(), opsVersion,
          tokenizer.stream().map(p -> p.getFileName().toString()).toList()),
          folder.resolve(RuntimeConfig.FILE_NAME));
      double seconds = (System.nanoTime() - start) / 1e9;
      log.printf("lckv-convert: converted in %.1f s%n", seconds);

      Optional<ObjectNode> validation = check.map(c -> c.check(folder, model));
      ObjectNode report = ConversionReport.of(converter, opsVersion, source, hashes.get(),
          options, folder, seconds, validation);
      ConversionReport.write(report, folder);
      return report;
    }
  }

  /**
   * {@code --force} deletes what is at {@code out}: never the checkpoint or a folder holding it.
   */
  private static void refuseUnsafeTarget(Path source, Path target, boolean force) {
    if (source.startsWith(target)) {
      throw new ConversionException(target + ": the output folder must not be the checkpoint"
          + " folder or contain it");
    }
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !force) {
      throw new ConversionException(target + ": already exists (use --force to replace it)");
    }
  }

  private static void createParent(Path target) {
    try {
      Files.createDirectories(target.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + target.getParent(), e);
    }
  }
}
