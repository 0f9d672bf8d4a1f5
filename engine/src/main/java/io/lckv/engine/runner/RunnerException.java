package io.lckv.engine.runner;

/** A step failed; the cache state of every sequence in that step is unknown afterwards. */
public class RunnerException extends Exception {

  public RunnerException(String message) {
    super(message);
  }

  public RunnerException(String message, Throwable cause) {
    super(message, cause);
  }
}
