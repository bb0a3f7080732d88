package io.clipguard.moderation.kafka;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * How many uploads an instance has in flight, sized by what the model does (Little's law:
 * in flight = throughput x latency): the limit is the measured completion rate times the
 * target latency, never below what fills the inference batches and never above a ceiling,
 * shared evenly by the tasks that wait for room. A
 * fast model gets a wide window and full batches; a slow one a narrow window whose work
 * finishes well inside the record deadline, instead of a fixed window that queues minutes of
 * work behind the model. The rate is an exponentially weighted average of completions with a
 * half-life of one second. Shared by every task of the instance; thread-safe.
 *
 * <p>Chosen over a gradient limiter (Netflix's concurrency-limits) because the latency here
 * is dominated by batching, which such a limiter reads as congestion and would shrink the window
 * below a batch; the rate is the quantity the model actually limits.
 */
public final class AdaptiveWindow {
    private static final double HALF_LIFE_NANOS = 1e9;

    private final int floor;
    private final int ceiling;
    private final double targetSeconds;
    private int inUse;
    private double ratePerSecond;
    private long lastNanos;
    private long completions;
    private final Set<Object> wanting = new HashSet<>();

    /**
     * @param floor   the least in flight (where it starts, before any rate is measured)
     * @param ceiling the most in flight
     * @param target  the latency the window aims at
     */
    public AdaptiveWindow(int floor, int ceiling, Duration target) {
        this.floor = Math.max(1, floor);
        this.ceiling = Math.max(this.floor, ceiling);
        this.targetSeconds = target.toNanos() / 1e9;
        this.lastNanos = System.nanoTime();
    }

    /**
     * A slot for one more upload of {@code task}, which has {@code taskInUse} slots already,
     * when the window has room and, while several tasks wait for room, the task is under its
     * even share: the slots a task gives back go to whoever waits, not to the same task again.
     */
    public synchronized boolean tryAcquire(Object task, int taskInUse) {
        int limit = limit();
        if (inUse >= limit) {
            return false;
        }
        if (wanting.size() > 1 && wanting.contains(task) && taskInUse >= Math.ceil((double) limit / wanting.size())) {
            return false;
        }
        inUse++;
        return true;
    }

    /** Says whether {@code task} has uploads waiting for room; a task that ends says {@code false}. */
    public synchronized void waiting(Object task, boolean waits) {
        if (waits) {
            wanting.add(task);
        } else {
            wanting.remove(task);
        }
    }

    /** Gives a slot back; {@code completed} when the upload was answered (it counts toward the rate). */
    public synchronized void release(boolean completed) {
        inUse = Math.max(0, inUse - 1);
        if (completed) {
            long now = System.nanoTime();
            double elapsed = Math.max(1, now - lastNanos);
            double decay = Math.pow(0.5, elapsed / HALF_LIFE_NANOS);
            // The rate of one completion over the time since the last, blended into the average.
            double instant = 1e9 / elapsed;
            ratePerSecond = completions == 0 ? 0 : ratePerSecond * decay + instant * (1 - decay);
            lastNanos = now;
            completions++;
        }
    }

    /** The window now: rate x target latency, within floor and ceiling. */
    public synchronized int limit() {
        return (int) Math.max(floor, Math.min(ceiling, Math.ceil(ratePerSecond * targetSeconds)));
    }

    public synchronized int inUse() {
        return inUse;
    }

    /** The measured completion rate, per second. */
    public synchronized double rate() {
        return ratePerSecond;
    }
}
