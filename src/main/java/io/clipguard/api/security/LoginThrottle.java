package io.clipguard.api.security;

import io.quarkus.security.AuthenticationFailedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Failed logins counted per user name and per client address over a sliding window: past
 * the limit, further attempts are refused without checking the password (429 with
 * Retry-After), so guessing a password costs the attacker the window, not a hash each.
 *
 * <p>An attempt is counted before its password is checked ({@link #reserve}): it reserves a
 * failure, atomically with the check of the limits, and only a success takes it back. So
 * concurrent attempts cannot all pass a check none of them has yet counted in, and the slow
 * password hash runs only for attempts the throttle admitted. At most
 * {@value #CONCURRENT_PER_USER} checks of one account run at once; more are refused at once.
 * Memory stays bounded: entries older than the window are dropped, and at most 100,000 keys are
 * tracked.
 */
public final class LoginThrottle {
    /** The attribute of an {@link AuthenticationFailedException} that carries the seconds to wait, when a login was throttled. */
    public static final String RETRY_AFTER_SECONDS = "clipguard.retry-after-seconds";
    static final int CONCURRENT_PER_USER = 2;
    private static final int MAX_KEYS = 100_000;

    private final int perUser;
    private final int perAddress;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Deque<Instant>> failures = new HashMap<>();
    private final Map<String, Integer> checking = new HashMap<>();

    public LoginThrottle(int perUser, int perAddress, Duration window, Clock clock) {
        this.perUser = perUser;
        this.perAddress = perAddress;
        this.window = window;
        this.clock = clock;
    }

    /** One admitted attempt: counted as failed unless {@link #succeeded}; {@link #close} when its check is done. */
    public final class Attempt implements AutoCloseable {
        private final String user;
        private final String address;
        private final Instant at;
        private boolean closed;

        private Attempt(String user, String address, Instant at) {
            this.user = user;
            this.address = address;
            this.at = at;
        }

        /** The password was right: the user's failures are forgotten, and this attempt is not counted against the address. */
        public void succeeded() {
            synchronized (LoginThrottle.this) {
                failures.remove("user:" + user);
                Deque<Instant> byAddress = address == null ? null : failures.get("address:" + address);
                if (byAddress != null) {
                    byAddress.removeLastOccurrence(at);
                }
            }
        }

        @Override
        public void close() {
            synchronized (LoginThrottle.this) {
                if (!closed) {
                    closed = true;
                    checking.computeIfPresent(user, (k, n) -> n <= 1 ? null : n - 1);
                }
            }
        }
    }

    /** The refusal for {@code user} from {@code address} when a limit is reached now (nothing is counted). */
    public synchronized void check(String user, String address) {
        Instant now = clock.instant();
        Optional<Duration> byUser = wait("user:" + user, perUser, now);
        Optional<Duration> byAddress = address == null ? Optional.empty() : wait("address:" + address, perAddress, now);
        Optional<Duration> longest = byUser.isPresent() && byAddress.isPresent()
                ? Optional.of(byUser.get().compareTo(byAddress.get()) > 0 ? byUser.get() : byAddress.get()) : byUser.or(() -> byAddress);
        if (longest.isPresent()) {
            throw refusal(longest.get());
        }
    }

    /**
     * Admits an attempt for {@code user} from {@code address}, counting it as a failure until it
     * succeeds; the refusal ({@link #refusal}) when a limit is reached or the account is being
     * checked too often at once.
     */
    public synchronized Attempt reserve(String user, String address) {
        Instant now = clock.instant();
        if (failures.size() > MAX_KEYS) {
            failures.entrySet().removeIf(e -> e.getValue().isEmpty() || !e.getValue().peekLast().isAfter(now.minus(window)));
        }
        check(user, address);
        if (checking.getOrDefault(user, 0) >= CONCURRENT_PER_USER) {
            throw refusal(Duration.ofSeconds(1));
        }
        checking.merge(user, 1, Integer::sum);
        failures.computeIfAbsent("user:" + user, k -> new ArrayDeque<>()).addLast(now);
        if (address != null) {
            failures.computeIfAbsent("address:" + address, k -> new ArrayDeque<>()).addLast(now);
        }
        return new Attempt(user, address, now);
    }

    /** The refusal of a throttled login (the HTTP layer answers it with 429 and Retry-After). */
    public static AuthenticationFailedException refusal(Duration retryAfter) {
        return new AuthenticationFailedException("too many failed logins; try again in " + retryAfter.toSeconds() + " s",
                Map.of(RETRY_AFTER_SECONDS, retryAfter.toSeconds()));
    }

    private Optional<Duration> wait(String key, int limit, Instant now) {
        Deque<Instant> times = failures.get(key);
        if (times == null) {
            return Optional.empty();
        }
        while (!times.isEmpty() && !times.peekFirst().isAfter(now.minus(window))) {
            times.removeFirst();
        }
        if (times.size() < limit) {
            return Optional.empty();
        }
        // Allowed again when the oldest failure that keeps the count at the limit leaves the window.
        Instant oldest = times.stream().skip(times.size() - limit).findFirst().orElse(now);
        return Optional.of(Duration.between(now, oldest.plus(window)).plusSeconds(1));
    }
}
