package io.lckv.engine.model;

/**
 * A model could not be loaded: a missing or malformed file, a folder converted for another op
 * contract, an execution provider the machine lacks. The message names the file or setting.
 */
public final class ModelLoadException extends RuntimeException {

  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
