package io.clipguard.clip;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Whether the model answers. Inference that fails for everything (a lost GPU, a broken
 * session) must not turn the backlog into dead letters: the batcher marks the model
 * unavailable, the service stops taking records and reports not ready, and work resumes when a
 * probe inference succeeds again. Listeners hear each change (true: available).
 */
public final class ModelHealth {
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean available = true;
    private volatile String lastFailure;
    private volatile Instant since = Instant.now();

    public boolean available() {
        return available;
    }

    /** Why the model is unavailable (the last failure), or null. */
    public String lastFailure() {
        return available ? null : lastFailure;
    }

    public Instant since() {
        return since;
    }

    public void onChange(Consumer<Boolean> listener) {
        listeners.add(listener);
    }

    void down(String failure) {
        lastFailure = failure;
        change(false);
    }

    void up() {
        change(true);
    }

    private synchronized void change(boolean now) {
        if (available == now) {
            return;
        }
        available = now;
        since = Instant.now();
        listeners.forEach(l -> l.accept(now));
    }
}
