package io.clipguard.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.common.util.concurrent.RateLimiter;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one signed-in user may hold of an instance's work: thumbnails decode untrusted uploads
 * (each under the decode budgets) at most {@value #THUMBNAILS_PER_SECOND} a second per user,
 * and live feeds (each a subscriber the feed thread serves) at most {@value #STREAMS_PER_USER}
 * at once per user; draft tries (a model run each) at most {@value #TRIES_AT_ONCE} at once per
 * instance. Past any, {@code RATE_LIMITED} (429). Users are tracked in bounded caches.
 */
@ApplicationScoped
public class UserQuotas {
    static final double THUMBNAILS_PER_SECOND = 20;
    static final int STREAMS_PER_USER = 4;
    /** Draft tries (each a model run and maybe a policy's prompts embedded) running at once on an instance, whoever asks. */
    static final int TRIES_AT_ONCE = 2;

    /** A slot held until closed (once or more). */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    private final Semaphore tries = new Semaphore(TRIES_AT_ONCE);

    private final Cache<String, RateLimiter> thumbnails = Caffeine.newBuilder().maximumSize(10_000)
            .expireAfterAccess(Duration.ofMinutes(10)).build();
    /** Open feeds per user; an entry lives while its count is above zero (no eviction can reset a cap in use). */
    private final ConcurrentHashMap<String, Integer> streams = new ConcurrentHashMap<>();

    /** Takes one thumbnail of {@code user}'s allowance, or refuses. */
    public void thumbnail(String user) {
        if (!thumbnails.get(user, u -> RateLimiter.create(THUMBNAILS_PER_SECOND)).tryAcquire()) {
            throw new ClipGuardException(ErrorCode.RATE_LIMITED, user + " asks for more than " + (int) THUMBNAILS_PER_SECOND
                    + " thumbnails a second");
        }
    }

    /** Opens one of {@code user}'s live feeds; close the handle (once or more) when the stream ends. */
    public Runnable stream(String user) {
        boolean[] admitted = {false};
        streams.compute(user, (u, n) -> {
            int open = n == null ? 0 : n;
            admitted[0] = open < STREAMS_PER_USER;
            return admitted[0] ? open + 1 : open;
        });
        if (!admitted[0]) {
            throw new ClipGuardException(ErrorCode.RATE_LIMITED, user + " has " + STREAMS_PER_USER + " live feeds open already");
        }
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                streams.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
            }
        };
    }

    /** Admits one draft try, or refuses when {@value #TRIES_AT_ONCE} run already; close the handle when it is done. */
    public Held trial(String user) {
        if (!tries.tryAcquire()) {
            throw new ClipGuardException(ErrorCode.RATE_LIMITED, "this instance is trying " + TRIES_AT_ONCE + " drafts already; " + user
                    + ", try again in a moment");
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                tries.release();
            }
        };
    }

    /** {@code RATE_LIMITED} when {@code user} has all the live feeds they may have open. */
    public void requireStreamFree(String user) {
        if (streams.getOrDefault(user, 0) >= STREAMS_PER_USER) {
            throw new ClipGuardException(ErrorCode.RATE_LIMITED, user + " has " + STREAMS_PER_USER + " live feeds open already");
        }
    }

    /** Live feeds {@code user} has open. */
    int streams(String user) {
        return streams.getOrDefault(user, 0);
    }
}
