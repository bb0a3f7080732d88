package io.clipguard.api.health;

import io.clipguard.app.LocalNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * {@code /q/health/live}: down only when a restart would help, that is when Kafka Streams has
 * stopped for good (ERROR or NOT_RUNNING after a fatal failure). A paused instance (model
 * down) or a rebalance is alive: restarting it would only lose its place.
 */
@Liveness
@ApplicationScoped
public class ServiceLiveness implements HealthCheck {
    @Inject
    LocalNode local;

    @Override
    public HealthCheckResponse call() {
        return local.get().map(node -> {
            return HealthCheckResponse.named("clipguard").status(node.service().alive()).withData("streams", node.service().state()).build();
        }).orElseGet(() -> HealthCheckResponse.named("clipguard").up().withData("service", "starting").build());
    }
}
