package io.lckv.server;

import io.lckv.engine.model.NativeRuntimes;
import io.lckv.server.model.ModelOptions;
import io.lckv.server.model.ModelPreload;
import io.lckv.server.model.OrtModelBackend;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.nio.file.Path;

/**
 * The server's entry point. Before Quarkus boots it starts, each on a thread of its own, loading
 * the native libraries every model needs (ONNX Runtime, the op library, DJL's tokenizers) and
 * opening the configured model ({@link ModelPreload}), so that the boot and the model load share
 * the start instead of following each other.
 */
@QuarkusMain
public final class Main {

  private Main() {}

  public static void main(String... args) {
    Thread.ofPlatform()
        .name("lckv-native-preload")
        .start(
            () -> {
              try {
                NativeRuntimes.load();
              } catch (RuntimeException | LinkageError e) {
                // The model load meets the same failure and reports it, with the model named.
              }
            });
    ModelPreload.start(
        () -> EarlyConfig.read(Main.class.getClassLoader(), Path.of("")).map(ModelOptions::of),
        new OrtModelBackend());
    Quarkus.run(args);
  }
}
