package io.lckv.server;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.lang.management.ManagementFactory;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/** Logs what is served and how long the process took to get here (cold-start figure). */
@ApplicationScoped
class StartupReport {

  private static final Logger LOG = Logger.getLogger(StartupReport.class);

  void onStart(@Observes StartupEvent event, @Readiness ModelReadiness readiness) {
    long sinceProcessStart = ManagementFactory.getRuntimeMXBean().getUptime();
    var health = readiness.call();
    LOG.infof(
        "LCKV Serve up %d ms after process start; model: %s (%s)",
        sinceProcessStart,
        health.getData().map(d -> d.get("path")).orElse("?"),
        health.getStatus() == HealthCheckResponse.Status.UP
            ? "ready"
            : health.getData().map(d -> d.get("reason")).orElse("not ready"));
  }
}
