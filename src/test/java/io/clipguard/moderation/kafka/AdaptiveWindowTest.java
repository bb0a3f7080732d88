package io.clipguard.moderation.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The window: starts at its floor, grows with the measured rate up to its ceiling, and shares room evenly among tasks that wait. */
class AdaptiveWindowTest {
    @Test
    void startsAtItsFloorAndGrowsWithTheRateUpToItsCeiling() {
        AdaptiveWindow window = new AdaptiveWindow(4, 100, Duration.ofSeconds(1));
        assertThat(window.limit()).isEqualTo(4);
        Object task = new Object();
        for (int i = 0; i < 4; i++) {
            assertThat(window.tryAcquire(task, i)).isTrue();
        }
        assertThat(window.tryAcquire(task, 4)).as("no room past the limit").isFalse();
        // Completions thousands of times a second: the window reaches its ceiling, never more.
        for (int i = 0; i < 5000; i++) {
            window.release(true);
            window.tryAcquire(task, 0);
        }
        assertThat(window.rate()).isGreaterThan(100);
        assertThat(window.limit()).isEqualTo(100);
    }

    @Test
    void tasksThatWaitShareTheRoomEvenly() {
        AdaptiveWindow window = new AdaptiveWindow(8, 8, Duration.ofSeconds(1));
        Object a = new Object();
        Object b = new Object();
        int heldByA = 0;
        while (window.tryAcquire(a, heldByA)) {
            heldByA++;
        }
        assertThat(heldByA).as("alone, a task may fill the window").isEqualTo(8);
        window.waiting(a, true);
        window.waiting(b, true);
        window.release(true);
        assertThat(window.tryAcquire(a, heldByA - 1)).as("a slot a task gives back goes to the one that waits").isFalse();
        assertThat(window.tryAcquire(b, 0)).isTrue();
        window.waiting(b, false);
        window.release(true);
        assertThat(window.tryAcquire(a, heldByA - 1)).as("once nobody else waits, it is the task's again").isTrue();
    }
}
