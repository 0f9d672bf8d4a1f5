package io.lckv.nativeops;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The lckv custom-op library packed in this jar. ONNX Runtime loads custom ops only from a file,
 * so the library is extracted once per process into a private temporary folder.
 */
public final class OpLibrary {

  /** Custom-op domain of every lckv node; the converter writes nodes in this domain. */
  public static final String DOMAIN = "lckv";

  static final String RESOURCE = "/native/linux-x86_64/liblckv_ops.so";

  private OpLibrary() {}

  /** Path of the extracted library, extracting it on first use. */
  public static Path path() {
    return Extracted.PATH;
  }

  /**
   * The op contract version ({@code lckv_ops_version()}, native/README.md): converted models
   * record the one they were written against.
   */
  public static String version() {
    return NativeLibrary.version();
  }

  /** Whether the library was built with its CUDA kernels (a GPU may still be absent). */
  public static boolean cudaAvailable() {
    return NativeLibrary.cudaAvailable();
  }

  /** Registers the lckv domain with a session about to be created. */
  public static void registerWith(OrtSession.SessionOptions options) throws OrtException {
    options.registerCustomOpLibrary(path().toString());
  }

  private static final class Extracted {
    static final Path PATH = extract();

    private static Path extract() {
      if (!System.getProperty("os.name").startsWith("Linux")
          || !System.getProperty("os.arch").equals("amd64")) {
        throw new UnsupportedOperationException(
            "the lckv op library is built for linux-x86_64 only, not "
                + System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
      }
      try (InputStream in = OpLibrary.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(
              RESOURCE + " is missing from the classpath: the native module was built without its"
                  + " CMake step");
        }
        Path dir = Files.createTempDirectory("lckv-ops-");
        Path file = dir.resolve("liblckv_ops.so");
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        file.toFile().deleteOnExit();
        dir.toFile().deleteOnExit();
        return file;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot extract " + RESOURCE, e);
      }
    }
  }
}
