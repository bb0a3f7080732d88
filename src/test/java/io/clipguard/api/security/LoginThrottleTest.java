package io.clipguard.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.security.AuthenticationFailedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Attempts are counted before the password is checked, so no burst of concurrent guesses gets past the limit. */
class LoginThrottleTest {
    @Test
    void concurrentGuessesAreCountedBeforeAnyPasswordIsCheckedAndAtMostTwoRunAtOnce() throws Exception {
        LoginThrottle throttle = new LoginThrottle(5, 1000, Duration.ofMinutes(15), Clock.systemUTC());
        int threads = 40;
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger checked = new AtomicInteger();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    try (LoginThrottle.Attempt attempt = throttle.reserve("admin", "10.0.0.9")) {
                        // The slow hash of a wrong password.
                        checked.incrementAndGet();
                        mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                        Thread.sleep(30);
                        running.decrementAndGet();
                    }
                } catch (AuthenticationFailedException refused) {
                    // throttled
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.start();
            workers.add(t);
        }
        start.countDown();
        for (Thread t : workers) {
            t.join();
        }
        assertThat(checked.get()).as("passwords checked out of " + threads + " concurrent guesses").isBetween(1, 5);
        assertThat(mostAtOnce.get()).isLessThanOrEqualTo(LoginThrottle.CONCURRENT_PER_USER);
        // Whatever the burst used, the window holds five checks in all.
        int more = 0;
        while (more < 10) {
            try {
                throttle.reserve("admin", "10.0.0.9").close();
                more++;
            } catch (AuthenticationFailedException refused) {
                break;
            }
        }
        assertThat(checked.get() + more).isEqualTo(5);
    }

    @Test
    void theLimitHoldsPerUserAndASuccessForgetsTheUsersFailures() {
        Instant t0 = Instant.parse("2026-12-07T10:00:00Z");
        Clock clock = Clock.fixed(t0, ZoneOffset.UTC);
        LoginThrottle throttle = new LoginThrottle(3, 10, Duration.ofMinutes(15), clock);
        for (int i = 0; i < 3; i++) {
            throttle.reserve("ann", "a").close();
        }
        assertThatThrownBy(() -> throttle.reserve("ann", "b")).isInstanceOfSatisfying(AuthenticationFailedException.class,
                e -> assertThat((Long) e.getAttribute(LoginThrottle.RETRY_AFTER_SECONDS)).isEqualTo(901L));
        LoginThrottle fresh = new LoginThrottle(3, 10, Duration.ofMinutes(15), clock);
        fresh.reserve("bob", "a").close();
        fresh.reserve("bob", "a").close();
        try (LoginThrottle.Attempt right = fresh.reserve("bob", "a")) {
            right.succeeded();
        }
        for (int i = 0; i < 3; i++) {
            fresh.reserve("bob", "a").close();
        }
        assertThatThrownBy(() -> fresh.reserve("bob", "a")).isInstanceOf(AuthenticationFailedException.class);
    }
}
