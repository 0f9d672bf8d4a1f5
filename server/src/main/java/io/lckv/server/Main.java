package io.lckv.server;

import io.lckv.engine.model.NativeRuntimes;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The server's entry point. It starts loading the native libraries every model needs (ONNX
 * Runtime, the op library, DJL's tokenizers) on a thread of its own before Quarkus boots, so that
 * the model load, which begins once Quarkus has started, finds them loaded instead of loading
 * them after the boot.
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
    Quarkus.run(args);
  }
}
