package io.clipguard.app;

import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.telemetry.Telemetry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The instance this process runs, for whoever needs it by injection (the HTTP API, health
 * checks, metrics): {@code serve} and {@code demo} start it, everyone else reads it. A
 * process runs at most one; the API answers {@code SERVICE_NOT_RUNNING} until it runs.
 */
@ApplicationScoped
public class LocalNode {
    private volatile ClipGuardNode node;

    /** The application's registry, exported at {@code /q/metrics}. */
    @Inject
    MeterRegistry meters;

    /** Starts this process's instance ({@link ClipGuardNode#start}); closing it ends it. */
    public ClipGuardNode start(Settings settings, boolean embeddedKafka) throws InterruptedException {
        synchronized (this) {
            if (node != null) {
                throw new IllegalStateException("this process already runs an instance");
            }
            MeterRegistry registry = meters != null ? meters : new SimpleMeterRegistry();
            node = ClipGuardNode.start(settings, embeddedKafka, UnaryOperator.identity(),
                    instance -> Telemetry.from(settings.app().telemetry(), instance, registry));
            return node;
        }
    }

    public Optional<ClipGuardNode> get() {
        return Optional.ofNullable(node);
    }

    /** The running instance; {@code SERVICE_NOT_RUNNING} when this process runs none. */
    public ClipGuardNode require() {
        ClipGuardNode running = node;
        if (running == null) {
            throw new ClipGuardException(ErrorCode.SERVICE_NOT_RUNNING, "this process runs no moderation service");
        }
        return running;
    }

    /** Stops this process's instance, if it runs. */
    @PreDestroy
    public synchronized void stop() {
        if (node != null) {
            node.close();
            node = null;
        }
    }
}
