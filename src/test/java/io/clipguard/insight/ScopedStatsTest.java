package io.clipguard.insight;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The dashboard narrowed to a tenant or a policy counts that scope's decisions only, in bounded memory. */
class ScopedStatsTest {
    static final long NOW = 1_800_000_000_000L;

    static FeedEvent decision(String tenant, String policy, String action, long latency) {
        return new FeedEvent("decision", "c", action, "red-triangle", 0.9, false, policy, 1, latency, null, null, NOW, 0, 0L, tenant);
    }

    @Test
    void eachScopeCountsItsOwnDecisionsAndTheWholeCountsAll() {
        ScopedStats stats = new ScopedStats(60);
        for (int i = 0; i < 3; i++) {
            stats.add(decision("kids", "kids-policy", "BLOCK", 10));
        }
        for (int i = 0; i < 5; i++) {
            stats.add(decision("market", "default", "ALLOW", 500));
        }
        stats.add(new FeedEvent("dead-letter", "d", null, null, null, null, null, null, null, "IMAGE_TOO_LARGE", "x", NOW, null, null, null));

        assertThat(total(stats.snapshot(null, null, NOW), "BLOCK")).isEqualTo(3);
        assertThat(total(stats.snapshot(null, null, NOW), "ALLOW")).isEqualTo(5);
        assertThat(stats.snapshot(null, null, NOW).deadLettersByReason()).containsEntry("IMAGE_TOO_LARGE", 1L);

        LiveStats.Snapshot kids = stats.snapshot("kids", null, NOW);
        assertThat(total(kids, "BLOCK")).isEqualTo(3);
        assertThat(kids.perSecondByAction()).doesNotContainKey("ALLOW");
        assertThat(kids.p99LatencyMs()).isEqualTo(10);
        assertThat(kids.deadLettersByReason()).isEmpty();
        assertThat(total(stats.snapshot(null, "default", NOW), "ALLOW")).isEqualTo(5);
        assertThat(stats.snapshot(null, "default", NOW).p50LatencyMs()).isEqualTo(500);
        assertThat(total(stats.snapshot("kids", "kids-policy", NOW), "BLOCK")).isEqualTo(3);
        assertThat(stats.snapshot("kids", "default", NOW).perSecondByAction()).isEmpty();
        assertThat(stats.snapshot("nobody", null, NOW).decisionsSeen()).isZero();
    }

    @Test
    void onlyTheScopesSeenMostRecentlyAreKept() {
        ScopedStats stats = new ScopedStats(60);
        for (int t = 0; t < ScopedStats.MAX_SCOPES * 2; t++) {
            stats.add(decision("tenant-" + t, null, "ALLOW", 1));
        }
        assertThat(stats.snapshot("tenant-0", null, NOW).decisionsSeen()).as("evicted").isZero();
        assertThat(stats.snapshot("tenant-" + (ScopedStats.MAX_SCOPES * 2 - 1), null, NOW).decisionsSeen()).isEqualTo(1);
        assertThat(stats.snapshot(null, null, NOW).decisionsSeen()).isEqualTo(ScopedStats.MAX_SCOPES * 2);
    }

    private static long total(LiveStats.Snapshot s, String action) {
        long[] series = s.perSecondByAction().get(action);
        return series == null ? 0 : java.util.Arrays.stream(series).sum();
    }
}
