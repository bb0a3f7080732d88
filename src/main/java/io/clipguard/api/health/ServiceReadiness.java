package io.clipguard.api.health;

import io.clipguard.app.ClipGuardNode;
import io.clipguard.app.LocalNode;
import io.clipguard.app.NodeHealth;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /q/health/ready}: this instance should get traffic (decision lookups) and count as
 * serving only when the broker answers, the streams run, the model answered its probe and
 * answers still, and a policy is enforced. Each part is named in the response with what is
 * missing, so a failing probe explains itself.
 */
@Readiness
@ApplicationScoped
public class ServiceReadiness implements HealthCheck {
    @Inject
    LocalNode local;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder r = HealthCheckResponse.named("clipguard");
        ClipGuardNode node = local.get().orElse(null);
        if (node == null) {
            return r.down().withData("service", "not started (yet)").build();
        }
        NodeHealth.Report report = NodeHealth.of(node);
        report.parts().forEach(r::withData);
        return r.status(report.ready()).build();
    }
}
