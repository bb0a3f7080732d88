package io.clipguard.api;

import io.clipguard.stream.ModerationService;
import io.clipguard.stream.PolicyControl;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** The moderation service and policy desk this process runs (set by {@code serve} and {@code demo}), for the HTTP API. */
@ApplicationScoped
public class RunningService {
    private volatile ModerationService service;
    private volatile PolicyControl policies;

    public void set(ModerationService s, PolicyControl p) {
        this.service = s;
        this.policies = p;
    }

    public Optional<PolicyControl> policies() {
        return Optional.ofNullable(policies);
    }

    public Optional<ModerationService> get() {
        return Optional.ofNullable(service);
    }
}
