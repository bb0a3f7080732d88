package io.clipguard.api;

import io.clipguard.stream.ModerationService;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** The moderation service this process runs (set by {@code serve} and {@code demo}), for the HTTP API. */
@ApplicationScoped
public class RunningService {
    private volatile ModerationService service;

    public void set(ModerationService s) {
        this.service = s;
    }

    public Optional<ModerationService> get() {
        return Optional.ofNullable(service);
    }
}
