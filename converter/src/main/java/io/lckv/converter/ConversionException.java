package io.lckv.converter;

/**
 * A conversion that cannot finish for a reason other than the checkpoint: the output folder is
 * taken, a validation is past its tolerance. The message is one line the CLI prints as is.
 */
public final class ConversionException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ConversionException(String message) {
    super(message.replace("\r", "\\r").replace("\n", "\\n"));
  }
}
