package io.lckv.server;

import io.lckv.server.model.ServedModel;
import io.lckv.server.model.ServedModel.Status;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only once the model is loaded and a warm-up generation ran through the engine, and no
 * longer once the shutdown drain has begun; the response says why not.
 */
@Readiness
@ApplicationScoped
public class ModelReadiness implements HealthCheck {

  private final ServerConfig config;
  private final ServedModel model;

  ModelReadiness(ServerConfig config, ServedModel model) {
    this.config = config;
    this.model = model;
  }

  @Override
  public HealthCheckResponse call() {
    var response =
        HealthCheckResponse.named("model")
            .withData("name", config.modelName())
            .withData("path", config.modelPath().toAbsolutePath().normalize().toString());
    if (model.draining()) {
      return response.down().withData("reason", "draining").build();
    }
    return switch (model.status()) {
      case Status.Ready ready -> response.up().build();
      case Status.Loading loading -> response.down().withData("reason", "loading").build();
      case Status.Failed(String reason) -> response.down().withData("reason", reason).build();
    };
  }
}
