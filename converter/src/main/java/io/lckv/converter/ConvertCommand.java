package io.lckv.converter;

import io.lckv.converter.graph.Int8Accuracy;
import io.lckv.converter.graph.Parallelism;
import io.lckv.converter.graph.WeightFormat;
import io.lckv.converter.output.ModelFolderWriter;
import io.lckv.converter.validate.ExportValidator;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lckv-convert <checkpoint> <out>}: exit 0 on success, 1 when the conversion fails (bad
 * checkpoint, output folder taken, validation past tolerance), 2 for a wrong command line.
 */
@Command(
    name = "lckv-convert",
    mixinStandardHelpOptions = true,
    versionProvider = ConvertCommand.Version.class,
    description = "Converts a Hugging Face LCKV checkpoint folder into a self-contained model"
        + " folder: model.onnx and its weights, runtime-config.json, the tokenizer files and"
        + " conversion-report.json.")
public final class ConvertCommand implements Callable<Integer> {

  static final int EXIT_FAILED = 1;

  @Parameters(index = "0", paramLabel = "<checkpoint>", description = "Hugging Face checkpoint folder")
  Path checkpoint;

  @Parameters(index = "1", paramLabel = "<out>", description = "output model folder")
  Path out;

  @Option(names = "--dtype", paramLabel = "fp32|fp16|int8", converter = FormatConverter.class,
      description = "weight storage: fp32 (default), fp16, or int8 weight-only blocks;"
          + " activations are float32 in all")
  WeightFormat format = WeightFormat.FP32;

  @Option(names = "--int8-accuracy", paramLabel = "int8|fp32",
      converter = Int8AccuracyConverter.class,
      description = "with --dtype int8, the lowest precision ONNX Runtime's CPU kernel may use:"
          + " int8 (default: activations quantized per block, 2-10x faster than fp32 weights)"
          + " or fp32 (float32 activations, exact to the stored weights, 7-26x slower than fp32"
          + " weights)")
  Int8Accuracy int8Accuracy = Int8Accuracy.INT8;

  @Option(names = "--validate",
      description = "run the written model through ONNX Runtime next to the reference evaluator"
          + " and fail past the tolerance of its dtype")
  boolean validate;

  @Option(names = "--force", description = "replace <out> if it exists")
  boolean force;

  @Option(names = "--threads", paramLabel = "N", converter = ThreadsConverter.class,
      description = "threads converting weights (default: one per processor); with more than"
          + " one, the weights file is also written on a thread of its own. The output is the"
          + " same byte for byte")
  int threads = Runtime.getRuntime().availableProcessors();

  @Override
  public Integer call() {
    CommandLine.Help.Ansi.Style.reset.on();
    if (!Files.isDirectory(checkpoint)) {
      System.err.println("lckv-convert: " + checkpoint + ": not a checkpoint folder");
      return EXIT_FAILED;
    }
    try {
      ModelFolderWriter.write(checkpoint, out,
          new ModelFolderWriter.Options(format, int8Accuracy, force, Parallelism.of(threads)),
          validate ? Optional.of(new ExportValidator(format, int8Accuracy, System.err))
              : Optional.empty(),
          versionLine(), System.err);
    } catch (CheckpointException | ConversionException e) {
      System.err.println("lckv-convert: " + e.getMessage());
      return EXIT_FAILED;
    } catch (UncheckedIOException e) {
      System.err.println("lckv-convert: " + e.getMessage() + ": " + e.getCause().getMessage());
      return EXIT_FAILED;
    }
    System.err.println("lckv-convert: wrote " + out);
    return 0;
  }

  public static int run(String... args) {
    return new CommandLine(new ConvertCommand()).execute(args);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  private static String versionLine() {
    return new Version().getVersion()[0];
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = ConvertCommand.class.getPackage().getImplementationVersion();
      return new String[] {"lckv-convert " + (version == null ? "development build" : version)};
    }
  }

  static final class ThreadsConverter implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      try {
        int threads = Integer.parseInt(value);
        if (threads >= 1) {
          return threads;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new CommandLine.TypeConversionException("'" + value + "' is not a positive integer");
    }
  }

  static final class Int8AccuracyConverter implements CommandLine.ITypeConverter<Int8Accuracy> {
    @Override
    public Int8Accuracy convert(String value) {
      return Int8Accuracy.fromOptionName(value).orElseThrow(() ->
          new CommandLine.TypeConversionException("'" + value + "' is not int8 or fp32"));
    }
  }

  static final class FormatConverter implements CommandLine.ITypeConverter<WeightFormat> {
    @Override
    public WeightFormat convert(String value) {
      return WeightFormat.fromOptionName(value).orElseThrow(() ->
          new CommandLine.TypeConversionException(
              "'" + value + "' is not fp32, fp16 or int8"));
    }
  }
}
