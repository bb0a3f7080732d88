package io.clipguard.api.security;

import io.quarkus.security.AuthenticationFailedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins counted per user name and per client address over a sliding window: past
 * the limit, further attempts are refused without checking the password (429 with
 * Retry-After), so guessing a password costs the attacker the window, not a hash each. A
 * successful login clears its user's count. Memory stays bounded: entries older than the
 * window are dropped, and at most 100,000 keys are tracked.
 */
public final class LoginThrottle {
    /** The attribute of an {@link AuthenticationFailedException} that carries the seconds to wait, when a login was throttled. */
    public static final String RETRY_AFTER_SECONDS = "clipguard.retry-after-seconds";
    private static final int MAX_KEYS = 100_000;

    private final int perUser;
    private final int perAddress;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

    public LoginThrottle(int perUser, int perAddress, Duration window, Clock clock) {
        this.perUser = perUser;
        this.perAddress = perAddress;
        this.window = window;
        this.clock = clock;
    }

    /** How long until a login for {@code user} from {@code address} may be tried again, or empty when it may now. */
    public Optional<Duration> retryAfter(String user, String address) {
        Instant now = clock.instant();
        Optional<Duration> byUser = wait("user:" + user, perUser, now);
        Optional<Duration> byAddress = address == null ? Optional.empty() : wait("address:" + address, perAddress, now);
        if (byUser.isPresent() && byAddress.isPresent()) {
            return Optional.of(byUser.get().compareTo(byAddress.get()) > 0 ? byUser.get() : byAddress.get());
        }
        return byUser.or(() -> byAddress);
    }

    /** The refusal of a throttled login (the HTTP layer answers it with 429 and Retry-After). */
    public static AuthenticationFailedException refusal(Duration retryAfter) {
        return new AuthenticationFailedException("too many failed logins; try again in " + retryAfter.toSeconds() + " s",
                Map.of(RETRY_AFTER_SECONDS, retryAfter.toSeconds()));
    }

    public void failed(String user, String address) {
        Instant now = clock.instant();
        if (failures.size() > MAX_KEYS) {
            failures.entrySet().removeIf(e -> expired(e.getValue(), now));
        }
        record("user:" + user, now);
        if (address != null) {
            record("address:" + address, now);
        }
    }

    public void succeeded(String user) {
        failures.remove("user:" + user);
    }

    private void record(String key, Instant now) {
        Deque<Instant> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (times) {
            times.addLast(now);
        }
    }

    private Optional<Duration> wait(String key, int limit, Instant now) {
        Deque<Instant> times = failures.get(key);
        if (times == null) {
            return Optional.empty();
        }
        synchronized (times) {
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

    private boolean expired(Deque<Instant> times, Instant now) {
        synchronized (times) {
            return times.isEmpty() || !times.peekLast().isAfter(now.minus(window));
        }
    }
}
