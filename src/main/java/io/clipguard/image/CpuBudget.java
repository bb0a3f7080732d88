package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;

/**
 * The CPU time one record may spend decoding and preprocessing, measured on the calling
 * thread (not wall time, which a busy machine stretches). Loops over rows call
 * {@link #check()}, which throws {@code IMAGE_TOO_COMPLEX} once the budget is spent, so that
 * no image, however crafted, holds a thread for long. A check reads the wall clock (a few
 * nanoseconds) and reads the thread's CPU time only once the limit has passed on the wall.
 */
public final class CpuBudget {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final long limitNanos;
    private final long startNanos;
    private final long startWallNanos;
    private final Thread owner;

    private CpuBudget(long limitNanos) {
        this.limitNanos = limitNanos;
        this.owner = Thread.currentThread();
        this.startNanos = limitNanos == Long.MAX_VALUE ? 0 : THREADS.getCurrentThreadCpuTime();
        this.startWallNanos = System.nanoTime();
    }

    /** A budget starting now, on this thread. */
    public static CpuBudget start(Duration cpu) {
        return new CpuBudget(cpu.toNanos());
    }

    /** No limit (tools that read trusted files). */
    public static CpuBudget unlimited() {
        return new CpuBudget(Long.MAX_VALUE);
    }

    /** Throws {@code IMAGE_TOO_COMPLEX} when the budget is spent. */
    public void check() {
        if (exceeded()) {
            throw new ClipGuardException(ErrorCode.IMAGE_TOO_COMPLEX, "decoding took more than " + Duration.ofNanos(limitNanos).toMillis()
                    + " ms of CPU time");
        }
    }

    /** Whether the budget is spent (on the thread that started it; other threads never see it spent). */
    public boolean exceeded() {
        // A thread cannot have used more CPU than wall time has passed: until the limit has
        // passed on the wall clock (a few nanoseconds to read), the thread's CPU time (a
        // system call, slow under load) need not be read at all.
        return limitNanos != Long.MAX_VALUE && System.nanoTime() - startWallNanos > limitNanos && Thread.currentThread() == owner
                && THREADS.getCurrentThreadCpuTime() - startNanos > limitNanos;
    }

    /** CPU time used so far, in milliseconds. */
    public double usedMillis() {
        return (THREADS.getCurrentThreadCpuTime() - startNanos) / 1e6;
    }
}
