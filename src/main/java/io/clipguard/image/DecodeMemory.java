package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The heap this process lets image decodes use at once. Every decode reserves what its
 * headers say it will allocate (pixels, frames, conversions) before it allocates anything,
 * and gives it back when done; decodes that would pass the budget wait, and after
 * {@code wait} are refused with {@code DECODE_BUSY} (retriable: the upload is not at fault).
 * One instance per process, because the heap is one per process: prepare threads, thumbnails
 * and tools all draw on it.
 */
public final class DecodeMemory {
    private static final long KIB = 1024;
    private static volatile DecodeMemory shared = new DecodeMemory(Runtime.getRuntime().maxMemory() / 4, Duration.ofSeconds(10));

    private final long capacity;
    private final Duration wait;
    private final Semaphore kib;

    DecodeMemory(long capacityBytes, Duration wait) {
        this.capacity = Math.max(KIB, capacityBytes);
        this.wait = wait;
        this.kib = new Semaphore((int) Math.min(Integer.MAX_VALUE, capacity / KIB), true);
    }

    /** The process's budget. */
    public static DecodeMemory shared() {
        return shared;
    }

    /** Sets the process's budget to {@code share} of the maximum heap (at start, before decodes run). */
    public static void configure(double share, Duration wait) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("decode memory share must be in (0, 1], not " + share);
        }
        shared = new DecodeMemory((long) (Runtime.getRuntime().maxMemory() * share), wait);
    }

    public long capacity() {
        return capacity;
    }

    /** Bytes reserved now. */
    public long inUse() {
        return capacity - (long) kib.availablePermits() * KIB;
    }

    /** A reservation, returned by {@link #close()}. */
    public final class Lease implements AutoCloseable {
        private final int permits;
        private boolean closed;

        private Lease(int permits) {
            this.permits = permits;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                kib.release(permits);
            }
        }
    }

    /** Reserves {@code bytes}, waiting for decodes in progress to give memory back. */
    public Lease reserve(long bytes) {
        int permits = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (bytes + KIB - 1) / KIB));
        if ((long) permits * KIB > capacity) {
            throw new ClipGuardException(ErrorCode.IMAGE_TOO_LARGE, "decoding needs " + mib(bytes) + " MiB; this process decodes at most "
                    + mib(capacity) + " MiB at once");
        }
        try {
            if (!kib.tryAcquire(permits, wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new ClipGuardException(ErrorCode.DECODE_BUSY, "no decode memory free within " + wait.toMillis() + " ms (" + mib(bytes)
                        + " MiB needed, " + mib(inUse()) + " MiB of " + mib(capacity) + " in use)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClipGuardException(ErrorCode.DECODE_BUSY, "interrupted while waiting for decode memory");
        }
        return new Lease(permits);
    }

    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }
}
