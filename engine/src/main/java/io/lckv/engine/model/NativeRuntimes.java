package io.lckv.engine.model;

import ai.onnxruntime.OrtEnvironment;
import io.lckv.engine.text.HfTokenizer;
import io.lckv.nativeops.OpLibrary;

/**
 * The native libraries every model needs, loaded ahead of any model: ONNX Runtime, the op library
 * and its pool API, and DJL's tokenizer library. None of it depends on the model, and on a small
 * model it is most of the open, so a server can start it first thing, beside its own boot. Safe
 * to call from any thread and more than once: each library is loaded by a class initializer, which
 * the JVM runs once while other threads wait for it.
 */
public final class NativeRuntimes {

  private NativeRuntimes() {}

  public static void load() {
    OrtEnvironment.getEnvironment();
    OpLibrary.version();
    HfTokenizer.loadLibrary();
  }
}
