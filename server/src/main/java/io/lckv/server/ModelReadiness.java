package io.lckv.server;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Files;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only once the configured model can serve; until then the reason is in the response. */
@Readiness
@ApplicationScoped
public class ModelReadiness implements HealthCheck {

  private final ServerConfig config;

  ModelReadiness(ServerConfig config) {
    this.config = config;
  }

  @Override
  public HealthCheckResponse call() {
    var model = config.modelPath().toAbsolutePath().normalize();
    String reason =
        Files.isDirectory(model)
            ? "model not yet converted: the engine cannot load models yet"
            : "model folder not found";
    return HealthCheckResponse.named("model")
        .down()
        .withData("path", model.toString())
        .withData("reason", reason)
        .build();
  }
}
