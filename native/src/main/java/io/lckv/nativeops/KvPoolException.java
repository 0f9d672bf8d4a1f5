package io.lckv.nativeops;

/** A failed pool call: the C API's status and the message {@code lckv_last_error()} gave. */
public final class KvPoolException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The non-OK status codes of lckv_pool.h. */
  public enum Status {
    INVALID_ARGUMENT,
    UNKNOWN_HANDLE,
    /** The pool does not fit in host or device memory: retry with fewer blocks. */
    OUT_OF_MEMORY,
    /** CUDA is unavailable or failed. */
    DEVICE;

    static Status ofCode(long code, String message) {
      if (code < 1 || code > values().length) {
        throw new IllegalStateException(
            "the op library returned unknown status " + code + ": " + message);
      }
      return values()[(int) code - 1];
    }
  }

  private final Status status;

  KvPoolException(Status status, String message) {
    super(message);
    this.status = status;
  }

  public Status status() {
    return status;
  }
}
