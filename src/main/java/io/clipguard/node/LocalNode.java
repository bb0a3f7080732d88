package io.clipguard.node;

import io.clipguard.config.Settings;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * The instance this process runs, for whoever needs it by injection (the HTTP API, health
 * checks, metrics): {@code serve} and {@code demo} start it, everyone else reads it. A
 * process runs at most one; the API answers {@code SERVICE_NOT_RUNNING} until it runs.
 */
@ApplicationScoped
public class LocalNode {
    private volatile ClipGuardNode node;

    /** Starts this process's instance ({@link ClipGuardNode#start}); closing it ends it. */
    public ClipGuardNode start(Settings settings, boolean embeddedKafka) throws InterruptedException {
        synchronized (this) {
            if (node != null) {
                throw new IllegalStateException("this process already runs an instance");
            }
            node = ClipGuardNode.start(settings, embeddedKafka);
            return node;
        }
    }

    public Optional<ClipGuardNode> get() {
        return Optional.ofNullable(node);
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
