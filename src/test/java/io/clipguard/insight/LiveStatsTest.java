package io.clipguard.insight;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The dashboard's rolling aggregates: per-second series that roll over, latency percentiles, dead letters by reason. */
class LiveStatsTest {
    static final long T = 1_700_000_000_000L;

    static FeedEvent decision(String action, String category, long at, long latency) {
        return new FeedEvent("decision", "c", action, category, 0.9, true, "p", 1, latency, null, null, at, 0, 0L, null);
    }

    static FeedEvent deadLetter(String reason, long at) {
        return new FeedEvent("dead-letter", "c", null, null, null, null, null, null, null, reason, "m", at, 0, 0L, null);
    }

    @Test
    void countsPerSecondByActionAndCategory() {
        LiveStats stats = new LiveStats(10);
        stats.add(decision("ALLOW", "none", T, 10));
        stats.add(decision("BLOCK", "red-triangle", T + 100, 20));
        stats.add(decision("BLOCK", "red-triangle", T + 1100, 30));
        stats.add(deadLetter("IMAGE_EMPTY", T + 1200));
        LiveStats.Snapshot s = stats.snapshot(T + 1500);
        long[] block = s.perSecondByAction().get("BLOCK");
        assertThat(block[block.length - 2]).isEqualTo(1);
        assertThat(block[block.length - 1]).isEqualTo(1);
        assertThat(s.perSecondByCategory()).containsOnlyKeys("red-triangle");
        assertThat(s.perSecondByAction().get("DEAD_LETTER")[block.length - 1]).isEqualTo(1);
        assertThat(s.deadLettersByReason()).containsEntry("IMAGE_EMPTY", 1L);
        assertThat(s.decisionsSeen()).isEqualTo(3);
        assertThat(s.firstSecond()).isEqualTo((T + 1500) / 1000 - 9);
    }

    @Test
    void secondsOlderThanTheWindowRollOff() {
        LiveStats stats = new LiveStats(5);
        stats.add(decision("REVIEW", "x", T, 5));
        assertThat(stats.snapshot(T + 2000).perSecondByAction()).containsKey("REVIEW");
        assertThat(stats.snapshot(T + 6000).perSecondByAction()).doesNotContainKey("REVIEW");
        stats.add(decision("REVIEW", "x", T, 5)); // arrives late, outside the window: not counted in a series
        assertThat(stats.snapshot(T + 6000).perSecondByAction()).doesNotContainKey("REVIEW");
    }

    @Test
    void latencyPercentilesOverTheLatestDecisions() {
        LiveStats stats = new LiveStats(60);
        for (int i = 1; i <= 100; i++) {
            stats.add(decision("ALLOW", "none", T + i, i));
        }
        LiveStats.Snapshot s = stats.snapshot(T + 200);
        assertThat(s.p50LatencyMs()).isEqualTo(50);
        assertThat(s.p99LatencyMs()).isEqualTo(99);
        assertThat(s.latencySamples()).isEqualTo(100);
    }
}
