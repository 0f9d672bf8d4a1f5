package io.lckv.engine;

/**
 * A request parameter is out of range or inconsistent with the model. The message says why; {@link
 * #parameter()} names the parameter the way the OpenAI API spells it, so a server can answer 400
 * with {@code "param": parameter()}.
 */
public final class InvalidParameterException extends IllegalArgumentException {

  private final String parameter;

  public InvalidParameterException(String parameter, String message) {
    super(parameter + ": " + message);
    this.parameter = parameter;
  }

  public String parameter() {
    return parameter;
  }
}
