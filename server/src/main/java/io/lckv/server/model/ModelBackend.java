package io.lckv.server.model;

/**
 * The one seam between the server and a model format: opens the configured model and hands back
 * what the engine runs on. The server needs exactly one CDI bean of this type; without one it
 * stays up but never ready, and says so on {@code /q/health/ready}.
 *
 * <p>{@link #open} is called once, at startup, off the request threads. Whatever it throws makes
 * readiness report its message, so the message should say what is wrong with the model folder.
 */
public interface ModelBackend {

  LoadedModel open(ModelOptions options) throws Exception;
}
