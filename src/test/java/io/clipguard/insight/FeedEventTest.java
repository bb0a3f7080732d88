package io.clipguard.insight;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A narrowed feed shows what matches every filter given, and dead letters only when unfiltered. */
class FeedEventTest {
    @Test
    void aFilteredFeedShowsItsTenantsAndPoliciesDecisions() {
        FeedEvent kids = new FeedEvent("decision", "c", "BLOCK", "x", 0.9, true, "kids-policy", 2, 10L, null, null, 0, 0, 0L, "kids");
        FeedEvent dead = new FeedEvent("dead-letter", "d", null, null, null, null, null, null, null, "IMAGE_CORRUPT", "m", 0, 0, 0L, null);
        assertThat(kids.shownFor(null, null)).isTrue();
        assertThat(kids.shownFor("kids", null)).isTrue();
        assertThat(kids.shownFor("kids", "kids-policy")).isTrue();
        assertThat(kids.shownFor("market", null)).isFalse();
        assertThat(kids.shownFor("kids", "demo-shapes")).isFalse();
        assertThat(dead.shownFor(null, null)).isTrue();
        assertThat(dead.shownFor("kids", null)).isFalse();
    }
}
