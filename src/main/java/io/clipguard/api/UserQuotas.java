package io.clipguard.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.common.util.concurrent.RateLimiter;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one signed-in user may hold of an instance's work: thumbnails decode untrusted uploads
 * (each under the decode budgets) at most {@value #THUMBNAILS_PER_SECOND} a second per user,
 * and live feeds (each a subscriber the feed thread serves) at most {@value #STREAMS_PER_USER}
 * at once per user. Past either, {@code RATE_LIMITED} (429). Users are tracked in bounded caches.
 */
@ApplicationScoped
public class UserQuotas {
    static final double THUMBNAILS_PER_SECOND = 20;
    static final int STREAMS_PER_USER = 4;

    private final Cache<String, RateLimiter> thumbnails = Caffeine.newBuilder().maximumSize(10_000)
            .expireAfterAccess(Duration.ofMinutes(10)).build();
    private final Cache<String, AtomicInteger> streams = Caffeine.newBuilder().maximumSize(10_000).build();

    /** Takes one thumbnail of {@code user}'s allowance, or refuses. */
    public void thumbnail(String user) {
        if (!thumbnails.get(user, u -> RateLimiter.create(THUMBNAILS_PER_SECOND)).tryAcquire()) {
            throw new ClipGuardException(ErrorCode.RATE_LIMITED, user + " asks for more than " + (int) THUMBNAILS_PER_SECOND
                    + " thumbnails a second");
        }
    }

    /** Opens one of {@code user}'s live feeds; close the handle when the stream ends. */
    public AutoCloseable stream(String user) {
        AtomicInteger open = streams.get(user, u -> new AtomicInteger());
        if (open.incrementAndGet() > STREAMS_PER_USER) {
            open.decrementAndGet();
            throw new ClipGuardException(ErrorCode.RATE_LIMITED, user + " has " + STREAMS_PER_USER + " live feeds open already");
        }
        return open::decrementAndGet;
    }
}
