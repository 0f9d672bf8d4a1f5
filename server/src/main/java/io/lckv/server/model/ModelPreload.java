package io.lckv.server.model;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * A model opened while Quarkus boots, so that the boot and the load share the start instead of
 * following each other: the entry point ({@code io.lckv.server.Main}) starts it with the {@code
 * lckv.*} settings read ahead of Quarkus, and {@link ServedModel} takes it when the settings Quarkus
 * resolved open the same model with the same backend. Anything else (other settings, settings that
 * could not be read early, a load that failed) is closed and the model opened again the usual way,
 * so an early load can cost time but never change what is served.
 */
public final class ModelPreload {

  private static final Logger LOG = Logger.getLogger(ModelPreload.class);

  private record Opened(ModelOptions options, LoadedModel model) {}

  private record Started(Class<?> backend, CompletableFuture<Optional<Opened>> opened) {}

  private static final AtomicReference<Started> STARTED = new AtomicReference<>();

  private ModelPreload() {}

  /**
   * Starts reading the settings and opening the model they name with {@code backend}, on a thread
   * of its own; empty settings open nothing.
   */
  public static void start(Supplier<Optional<ModelOptions>> settings, ModelBackend backend) {
    var opened = new CompletableFuture<Optional<Opened>>();
    if (!STARTED.compareAndSet(null, new Started(backend.getClass(), opened))) {
      throw new IllegalStateException("a model is already being opened ahead of the boot");
    }
    Thread.ofPlatform()
        .name("lckv-model-preload")
        .start(
            () -> {
              try {
                Optional<ModelOptions> options = settings.get();
                opened.complete(options.isEmpty()
                    ? Optional.empty()
                    : Optional.of(new Opened(options.get(), backend.open(options.get()))));
              } catch (Exception | LinkageError e) {
                opened.completeExceptionally(e);
              }
            });
  }

  /**
   * The model opened ahead for {@code options} with a backend of the class {@code backend} is an
   * instance of (CDI hands out a proxy subclass), once it is open; empty when none was started, it failed, or it was opened otherwise (then it is
   * closed). Only the first call can get it.
   */
  static Optional<LoadedModel> take(ModelOptions options, ModelBackend backend)
      throws InterruptedException {
    Started started = STARTED.getAndSet(null);
    if (started == null) {
      return Optional.empty();
    }
    Optional<Opened> opened;
    try {
      opened = started.opened().get();
    } catch (ExecutionException e) {
      LOG.infof("the model opened ahead of the boot failed (%s); opening it again",
          e.getCause());
      return Optional.empty();
    } catch (InterruptedException e) {
      started.opened().thenAccept(early -> early.ifPresent(ModelPreload::close));
      throw e;
    }
    if (opened.isEmpty()) {
      return Optional.empty();
    }
    if (opened.get().options().equals(options) && started.backend().isInstance(backend)) {
      LOG.info("serving the model opened while Quarkus booted");
      return Optional.of(opened.get().model());
    }
    LOG.infof("the model opened ahead of the boot (%s, %s) is not the one the server opens (%s,"
        + " %s); opening that", opened.get().options(), started.backend().getName(), options,
        backend.getClass().getName());
    close(opened.get());
    return Optional.empty();
  }

  private static void close(Opened opened) {
    try {
      opened.model().close();
    } catch (Exception e) {
      LOG.warn("closing the model opened ahead of the boot failed", e);
    }
  }
}
