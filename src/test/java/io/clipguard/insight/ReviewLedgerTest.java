package io.clipguard.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.schema.Action;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.ReviewVerdict;
import io.clipguard.schema.SourcePosition;
import io.clipguard.schema.StageTimings;
import io.clipguard.schema.VerdictKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The review queue's rules on records applied in topic order, as every instance applies them. */
class ReviewLedgerTest {
    static final long T0 = 1_000_000L;
    final ReviewLedger ledger = new ReviewLedger(100);

    static ModerationDecision decision(String contentId, String eventId, Action action, String tenant, long decidedAt) {
        return ModerationDecision.newBuilder().setEventId(eventId).setContentId(contentId).setTenant(tenant).setAction(action)
                .setTriggeringCategory(null).setScores(List.of()).setPolicyId("p").setPolicyVersion(1).setPolicyHash("h").setModelId("m")
                .setModelDigest("d").setTimings(new StageTimings(0.0, 0.0, 0.0, 0.0, 0L)).setInstanceId("i").setTraceId(null)
                .setDecidedAt(Instant.ofEpochMilli(decidedAt)).build();
    }

    static ReviewVerdict verdict(String contentId, String eventId, String itemId) {
        return ReviewVerdict.newBuilder().setContentId(contentId).setEventId(eventId).setItemId(itemId).setLeaseId("L").setTenant("t").setReviewer("r")
                .setVerdict(VerdictKind.NO_VIOLATION).setCategory(null).setPolicyId("p").setPolicyVersion(1).setModelDigest("d")
                .setDecidedAt(Instant.ofEpochMilli(T0)).setReviewedAt(Instant.ofEpochMilli(T0)).setNote(null).build();
    }

    @Test
    void onlyReviewDecisionsWaitAndTheOldestFreeOneComesFirst() {
        ledger.decision(decision("b", "e-b", Action.REVIEW, "t", T0 + 2), new SourcePosition("u", 1, 5L));
        ledger.decision(decision("a", "e-a", Action.REVIEW, "t", T0 + 1), null);
        ledger.decision(decision("c", "e-c", Action.BLOCK, "t", T0), null);
        assertThat(ledger.depth()).isEqualTo(2);
        assertThat(ledger.oldestFree(null, T0).orElseThrow().contentId()).isEqualTo("a");
        assertThat(ledger.oldestFree("other-tenant", T0)).isEmpty();
        // Decided again and allowed: it leaves the queue.
        ledger.decision(decision("a", "e-a2", Action.ALLOW, "t", T0 + 3), null);
        assertThat(ledger.oldestFree(null, T0).orElseThrow().contentId()).isEqualTo("b");
        assertThat(ledger.oldestFree(null, T0).orElseThrow().sourceOffset()).isEqualTo(5L);
    }

    @Test
    void theFirstUnexpiredLeaseWinsAndExpiredOnesCanBeTaken() {
        ledger.decision(decision("a", "e-a", Action.REVIEW, "t", T0), null);
        String item = ledger.oldestFree(null, T0).orElseThrow().id();
        ledger.lease("a", new ReviewLedger.Lease("ann", "L1", T0 + 1000, item), T0);
        ledger.lease("a", new ReviewLedger.Lease("bob", "L2", T0 + 2000, item), T0 + 500);
        assertThat(ledger.granted("a", "L1")).isTrue();
        assertThat(ledger.granted("a", "L2")).isFalse();
        assertThat(ledger.oldestFree(null, T0 + 500)).as("held by ann").isEmpty();
        assertThat(ledger.mine("ann", null, T0 + 500)).isPresent();
        // After ann's lease expired (by record time), bob's new lease stands.
        ledger.lease("a", new ReviewLedger.Lease("bob", "L3", T0 + 5000, item), T0 + 1500);
        assertThat(ledger.granted("a", "L3")).isTrue();
        assertThat(ledger.held("ann", "a", T0 + 1600)).isEmpty();
        assertThat(ledger.held("bob", "a", T0 + 1600)).isPresent();
    }

    @Test
    void aVerdictNeedsTheEventAndTheLeaseAndEndsTheItem() {
        SourcePosition at = new SourcePosition("u", 0, 7L);
        ledger.decision(decision("a", "e-a", Action.REVIEW, "t", T0), at);
        String item = ledger.oldestFree(null, T0).orElseThrow().id();
        assertThat(item).isEqualTo("upload:0:7");
        assertThatThrownBy(() -> ledger.requireHeld("ann", "a", "e-a", "L1", T0, Duration.ofMinutes(5)))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LEASE_NOT_HELD));
        assertThatThrownBy(() -> ledger.requireHeld("ann", "nothing", "e-a", "L1", T0, Duration.ofMinutes(5)))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.REVIEW_NOT_FOUND));
        ledger.lease("a", new ReviewLedger.Lease("ann", "L1", T0 + 1000, item), T0);
        assertThatThrownBy(() -> ledger.requireHeld("ann", "a", "e-a", "L-other", T0 + 10, Duration.ofMinutes(5)))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LEASE_NOT_HELD));
        assertThat(ledger.requireHeld("ann", "a", "e-a", "L1", T0 + 10, Duration.ofMinutes(5)).contentId()).isEqualTo("a");
        ledger.verdict(verdict("a", "e-a", item));
        assertThat(ledger.depth()).isZero();
        // The same upload decided again (a restart re-reading it) does not come back.
        ledger.decision(decision("a", "e-a", Action.REVIEW, "t", T0 + 20), at);
        assertThat(ledger.depth()).isZero();
    }

    @Test
    void aReusedEventIdNeitherKeepsANewUploadOutNorTakesTheOldVerdict() {
        ledger.decision(decision("a", "e-1", Action.REVIEW, "t", T0), new SourcePosition("u", 0, 7L));
        ledger.verdict(verdict("a", "e-1", "upload:0:7"));
        // The uploader sends another image under the same event id: a new item, queued.
        ledger.decision(decision("a", "e-1", Action.REVIEW, "t", T0 + 50), new SourcePosition("u", 0, 9L));
        assertThat(ledger.depth()).isEqualTo(1);
        assertThat(ledger.oldestFree(null, T0 + 60).orElseThrow().id()).isEqualTo("upload:0:9");
    }

    @Test
    void aReUploadDuringALeaseMakesTheVerdictOnTheOldOneStaleAndFreesTheNewOne() {
        ledger.decision(decision("a", "e-1", Action.REVIEW, "t", T0), new SourcePosition("u", 0, 7L));
        ledger.lease("a", new ReviewLedger.Lease("ann", "L1", T0 + 60_000, "upload:0:7"), T0);
        ledger.decision(decision("a", "e-2", Action.REVIEW, "t", T0 + 10), new SourcePosition("u", 0, 8L));
        assertThatThrownBy(() -> ledger.requireHeld("ann", "a", "e-1", "L1", T0 + 20, Duration.ofMinutes(5)))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.REVIEW_STALE));
        assertThatThrownBy(() -> ledger.requireHeld("ann", "a", "e-2", "L1", T0 + 20, Duration.ofMinutes(5)))
                .as("the lease was for the image ann saw").isInstanceOfSatisfying(ClipGuardException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.LEASE_NOT_HELD));
        assertThat(ledger.oldestFree(null, T0 + 20).orElseThrow().id()).isEqualTo("upload:0:8");
        assertThat(ledger.mine("ann", null, T0 + 20)).isEmpty();
        // ann's lease on the replaced image keeps nobody from the new one.
        ledger.lease("a", new ReviewLedger.Lease("bob", "L2", T0 + 60_000, "upload:0:8"), T0 + 30);
        assertThat(ledger.granted("a", "L2")).isTrue();
        // A verdict record on the old item leaves the new one waiting.
        ledger.verdict(verdict("a", "e-1", "upload:0:7"));
        assertThat(ledger.depth()).isEqualTo(1);
    }

    @Test
    void aFullQueueDropsItsOldestItem() {
        ReviewLedger small = new ReviewLedger(2);
        small.decision(decision("a", "e-a", Action.REVIEW, "t", T0 + 1), null);
        small.decision(decision("b", "e-b", Action.REVIEW, "t", T0 + 2), null);
        small.decision(decision("c", "e-c", Action.REVIEW, "t", T0 + 3), null);
        assertThat(small.depth()).isEqualTo(2);
        assertThat(small.dropped()).isEqualTo(1);
        assertThat(small.oldestFree(null, T0).orElseThrow().contentId()).isEqualTo("b");
        assertThat(small.oldestAgeSeconds(T0 + 2002)).isEqualTo(2.0);
    }

    @Test
    void recordsWrittenBeforeItemIdsCoverNothingAndKeepTheirVerdicts() {
        ledger.decision(decision("a", "e-1", Action.REVIEW, "t", T0), new SourcePosition("u", 0, 7L));
        ledger.lease("a", new ReviewLedger.Lease("ann", "L1", T0 + 60_000, null), T0);
        assertThat(ledger.mine("ann", null, T0 + 1)).as("a lease naming no item is for no item").isEmpty();
        assertThat(ledger.oldestFree(null, T0 + 1)).isPresent();
        ReviewVerdict legacy = ReviewVerdict.newBuilder(verdict("b", "e-9", null)).build();
        ledger.verdict(legacy);
        // The same event read again after its (older-format) verdict does not come back.
        ledger.decision(decision("b", "e-9", Action.REVIEW, "t", T0), new SourcePosition("u", 0, 3L));
        assertThat(ledger.depth()).isEqualTo(1);
    }

    @Test
    void leaseRecordsRoundTrip() {
        ReviewLedger.Lease l = new ReviewLedger.Lease("ann", "L1", 42L, "upload:3:9");
        assertThat(ReviewLedger.Lease.decode(l.encode())).isEqualTo(l);
        assertThat(ReviewLedger.Lease.decode("ann\tL1\t42".getBytes(java.nio.charset.StandardCharsets.UTF_8)).itemId())
                .as("a lease written before release v5").isNull();
    }
}
