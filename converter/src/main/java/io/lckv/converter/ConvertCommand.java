package io.lckv.converter;

import io.lckv.converter.model.ValidatedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lckv-convert <checkpoint> <out>}: exit 0 on success, 1 when the conversion fails (bad
 * checkpoint, validation past tolerance), 2 for a wrong command line.
 */
@Command(
    name = "lckv-convert",
    mixinStandardHelpOptions = true,
    versionProvider = ConvertCommand.Version.class,
    description = "Converts a Hugging Face LCKV checkpoint folder into a self-contained model folder.")
public final class ConvertCommand implements Callable<Integer> {

  static final int EXIT_FAILED = 1;

  @Parameters(index = "0", paramLabel = "<checkpoint>", description = "Hugging Face checkpoint folder")
  Path checkpoint;

  @Parameters(index = "1", paramLabel = "<out>", description = "output model folder")
  Path out;

  @Option(names = "--force", description = "replace <out> if it exists")
  boolean force;

  @Override
  public Integer call() {
    CommandLine.Help.Ansi.Style.reset.on();
    if (!Files.isDirectory(checkpoint)) {
      System.err.println("lckv-convert: " + checkpoint + ": not a checkpoint folder");
      return EXIT_FAILED;
    }
    try (ValidatedModel model = ValidatedModel.open(checkpoint)) {
      System.err.println("lckv-convert: " + checkpoint + ": valid checkpoint, "
          + model.config().dimensions().numLayers() + " layers, "
          + model.config().layout().kvLayers().size() + " KV layers");
    } catch (CheckpointException e) {
      System.err.println("lckv-convert: " + e.getMessage());
      return EXIT_FAILED;
    }
    System.err.println("lckv-convert: writing the ONNX model is not implemented yet");
    return EXIT_FAILED;
  }

  public static int run(String... args) {
    return new CommandLine(new ConvertCommand()).execute(args);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = ConvertCommand.class.getPackage().getImplementationVersion();
      return new String[] {"lckv-convert " + (version == null ? "development build" : version)};
    }
  }
}
