package io.lckv.nativeops;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The plain C functions of the op library, bound through java.lang.foreign to the very file ORT
 * registers ({@link OpLibrary#path()}): the dynamic loader then maps it once, so the pool
 * registry the ops look handles up in is the one Java creates pools into.
 */
final class NativeLibrary {

  private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
  private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG;
  private static final ValueLayout ADDRESS = ValueLayout.ADDRESS;

  /** Every function bound below, by name: a native image must register each descriptor. */
  private static final Map<String, FunctionDescriptor> BOUND = new LinkedHashMap<>();

  private static final SymbolLookup SYMBOLS =
      SymbolLookup.libraryLookup(OpLibrary.path(), Arena.global());

  static final MethodHandle BYTES_PER_BLOCK =
      bind("lckv_pool_bytes_per_block", FunctionDescriptor.of(I64, I32, I32, I32, I32, I32));
  static final MethodHandle CREATE = bind("lckv_pool_create",
      FunctionDescriptor.of(I32, I32, I32, I32, I32, I32, I32, I32, ADDRESS));
  static final MethodHandle DESTROY = bind("lckv_pool_destroy", FunctionDescriptor.of(I32, I64));
  static final MethodHandle STATS =
      bind("lckv_pool_stats", FunctionDescriptor.of(I32, I64, ADDRESS, I32));
  static final MethodHandle WRITE_SLOTS = bind("lckv_pool_write_slots",
      FunctionDescriptor.of(I32, I64, I32, ADDRESS, I32, I32, I32, ADDRESS, ADDRESS));
  static final MethodHandle READ_SLOTS = bind("lckv_pool_read_slots",
      FunctionDescriptor.of(I32, I64, I32, ADDRESS, I32, I32, I32, ADDRESS, ADDRESS));
  private static final MethodHandle LAST_ERROR =
      bind("lckv_last_error", FunctionDescriptor.of(ADDRESS));
  private static final MethodHandle VERSION =
      bind("lckv_ops_version", FunctionDescriptor.of(ADDRESS));
  private static final MethodHandle CUDA_AVAILABLE =
      bind("lckv_ops_cuda_available", FunctionDescriptor.of(I32));

  private NativeLibrary() {}

  /** The C functions this class calls and their signatures. */
  static Map<String, FunctionDescriptor> bound() {
    return Map.copyOf(BOUND);
  }

  /** The calling thread's last failure message; read right after the failing call. */
  static String lastError() {
    return string(invoke(LAST_ERROR));
  }

  static String version() {
    return string(invoke(VERSION));
  }

  static boolean cudaAvailable() {
    try {
      return (int) CUDA_AVAILABLE.invokeExact() == 1;
    } catch (Throwable t) {
      throw new IllegalStateException("lckv_ops_cuda_available failed", t);
    }
  }

  private static MemorySegment invoke(MethodHandle function) {
    try {
      return (MemorySegment) function.invokeExact();
    } catch (Throwable t) {
      throw new IllegalStateException("calling the lckv op library failed", t);
    }
  }

  private static String string(MemorySegment cString) {
    return cString.equals(MemorySegment.NULL) ? "" : cString.reinterpret(Long.MAX_VALUE).getString(0);
  }

  private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
    MemorySegment symbol = SYMBOLS.find(name).orElseThrow(() -> new IllegalStateException(
        OpLibrary.path() + " does not export " + name + ": op library and Java side disagree"));
    BOUND.put(name, descriptor);
    return Linker.nativeLinker().downcallHandle(symbol, descriptor);
  }
}
