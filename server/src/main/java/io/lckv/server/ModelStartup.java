package io.lckv.server;

import io.lckv.server.model.ServedModel;
import io.lckv.server.model.ServedModel.Status;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Startup;

/**
 * Started once loading the model has ended, well or badly: a startup probe then hands over to the
 * liveness probe, and readiness tells whether the model serves. A model that cannot load keeps
 * the pod unready with its reason visible instead of restarting it in a loop.
 */
@Startup
@ApplicationScoped
public class ModelStartup implements HealthCheck {

  private final ServedModel model;

  ModelStartup(ServedModel model) {
    this.model = model;
  }

  @Override
  public HealthCheckResponse call() {
    return HealthCheckResponse.named("model-load")
        .status(!(model.status() instanceof Status.Loading))
        .build();
  }
}
