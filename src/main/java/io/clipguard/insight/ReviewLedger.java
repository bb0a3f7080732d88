package io.clipguard.insight;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.schema.Action;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.ReviewVerdict;
import io.clipguard.schema.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The review queue's rules, applied to the decisions, verdicts and leases every instance reads
 * in the same order (so every instance holds the same queue): a decision sent to review waits
 * until a verdict on its event arrives or it is decided again; a lease is granted by the first
 * unexpired lease record (expiry judged by record timestamps, so every instance agrees); a
 * verdict needs the reviewer's unexpired lease. Not thread-safe: its owner serialises access.
 * Bounded: at most {@code maxItems} waiting items (the oldest go first) and remembered verdicts.
 */
public final class ReviewLedger {
    /**
     * A decision waiting for a verdict, and where its upload is (for the image). Its {@link #id}
     * is ClipGuard's, from the upload's position: the event id is the uploader's to choose, and a
     * reused one must neither keep a new upload out of the queue nor take an old verdict.
     */
    public record Item(ModerationDecision decision, Integer sourcePartition, Long sourceOffset) {
        public String contentId() {
            return decision.getContentId();
        }

        public String id() {
            return sourceOffset == null ? "event:" + decision.getEventId() + "@" + decision.getDecidedAt().toEpochMilli()
                    : "upload:" + sourcePartition + ":" + sourceOffset;
        }
    }

    /** An item leased to a reviewer until {@code expiresAt} under {@code leaseId}. */
    public record Leased(Item item, Instant expiresAt, String leaseId) {
    }

    /** A lease record's value: who holds which item, under which lease id, until when (epoch ms). */
    public record Lease(String reviewer, String leaseId, long expiresAt, String itemId) {
        public byte[] encode() {
            return (reviewer + "\t" + leaseId + "\t" + expiresAt + "\t" + itemId).getBytes(StandardCharsets.UTF_8);
        }

        public static Lease decode(byte[] value) {
            String[] f = new String(value, StandardCharsets.UTF_8).split("\t");
            return new Lease(f[0], f[1], Long.parseLong(f[2]), f.length > 3 ? f[3] : null);
        }

        /** Whether it is a lease on {@code item}; a lease written before release v5 names no item and covers none. */
        boolean covers(Item item) {
            return itemId != null && itemId.equals(item.id());
        }
    }

    /** The key of an event judged by a verdict written before release v5 (which names no item). */
    private static final String LEGACY = "legacy-event:";
    private final int maxItems;
    private final Map<String, Item> pending = new HashMap<>();
    private final Map<String, Lease> leases = new HashMap<>();
    private final Map<String, Boolean> reviewedItems;
    private long dropped;

    public ReviewLedger(int maxItems) {
        this.maxItems = maxItems;
        this.reviewedItems = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > maxItems;
            }
        };
    }

    /**
     * A decision read from the decision topic; {@code source} is where its upload is, if known.
     * It waits for a verdict when it was queued for review (its review selection; before release
     * v4, its REVIEW action).
     */
    public void decision(ModerationDecision d, SourcePosition source) {
        boolean queued = d.getReview() != null || d.getAction() == Action.REVIEW;
        Item item = new Item(d, source == null ? null : source.getPartition(), source == null ? null : source.getOffset());
        if (queued && !reviewedItems.containsKey(item.id()) && !reviewedItems.containsKey(LEGACY + d.getEventId())) {
            if (pending.size() >= maxItems && !pending.containsKey(d.getContentId())) {
                pending.values().stream().min(Comparator.comparing(i -> i.decision().getDecidedAt())).ifPresent(i -> pending.remove(i.contentId()));
                dropped++;
            }
            pending.put(d.getContentId(), item);
        } else {
            pending.remove(d.getContentId()); // decided again, not for review (or already reviewed)
        }
    }

    /** A verdict read from the verdict topic: its item leaves the queue, its lease ends. */
    public void verdict(ReviewVerdict v) {
        Item item = pending.get(v.getContentId());
        if (v.getItemId() != null) {
            reviewedItems.put(v.getItemId(), true);
            if (item != null && item.id().equals(v.getItemId())) {
                pending.remove(v.getContentId());
                leases.remove(v.getContentId());
            }
        } else {
            // A verdict written before release v5 names only the event.
            reviewedItems.put(LEGACY + v.getEventId(), true);
            if (item != null && item.decision().getEventId().equals(v.getEventId())) {
                pending.remove(v.getContentId());
                leases.remove(v.getContentId());
            }
        }
    }

    /** A lease record written at {@code recordTimestamp}: the first writer wins while its lease is unexpired. */
    public void lease(String contentId, Lease wanted, long recordTimestamp) {
        Lease held = leases.get(contentId);
        // A lease on an item a re-upload replaced holds nothing: it does not keep others from the new one.
        boolean stale = held != null && (held.itemId() == null || !held.itemId().equals(wanted.itemId()));
        if (held == null || stale || held.expiresAt() < recordTimestamp || held.reviewer().equals(wanted.reviewer())) {
            leases.put(contentId, wanted);
        }
    }

    /** The reviewer's own unexpired lease (of {@code tenant}, when given): a reload resumes where it was. */
    public Optional<Leased> mine(String reviewer, String tenant, long now) {
        return pending.values().stream().filter(i -> matches(i, tenant)).filter(i -> {
            Lease l = leases.get(i.contentId());
            return l != null && l.reviewer().equals(reviewer) && l.expiresAt() > now && l.covers(i);
        }).findFirst().map(i -> {
            Lease l = leases.get(i.contentId());
            return new Leased(i, Instant.ofEpochMilli(l.expiresAt()), l.leaseId());
        });
    }

    /** The oldest waiting item (of {@code tenant}, when given) that no one holds now. */
    public Optional<Item> oldestFree(String tenant, long now) {
        return pending.values().stream().filter(i -> matches(i, tenant)).filter(i -> {
            Lease l = leases.get(i.contentId());
            return l == null || l.expiresAt() <= now || !l.covers(i);
        }).min(Comparator.comparing((Item i) -> i.decision().getDecidedAt()).thenComparing(Item::contentId));
    }

    /** Whether {@code contentId}'s lease is the one with {@code leaseId}. */
    public boolean granted(String contentId, String leaseId) {
        Lease held = leases.get(contentId);
        return held != null && held.leaseId().equals(leaseId);
    }

    /** The waiting item {@code contentId} when {@code reviewer} holds its lease now; empty otherwise. */
    public Optional<Item> held(String reviewer, String contentId, long now) {
        Item item = pending.get(contentId);
        Lease lease = leases.get(contentId);
        return item != null && lease != null && lease.reviewer().equals(reviewer) && lease.expiresAt() > now && lease.covers(item)
                ? Optional.of(item) : Optional.empty();
    }

    /**
     * The item a verdict on event {@code eventId} under lease {@code leaseId} may be given on:
     * {@code REVIEW_NOT_FOUND} when nothing of {@code contentId} waits, {@code REVIEW_STALE} when
     * what waits is another event (a re-upload replaced it), {@code LEASE_NOT_HELD} when the
     * lease is not the caller's, has run out, or was for another item.
     */
    public Item requireHeld(String reviewer, String contentId, String eventId, String leaseId, long now, Duration leaseFor) {
        Item item = pending.get(contentId);
        if (item == null) {
            throw new ClipGuardException(ErrorCode.REVIEW_NOT_FOUND, "no decision of '" + contentId + "' waits for review");
        }
        if (!item.decision().getEventId().equals(eventId)) {
            throw new ClipGuardException(ErrorCode.REVIEW_STALE, "the verdict names event '" + eventId + "'; what waits for review of '"
                    + contentId + "' is event '" + item.decision().getEventId() + "' (take it with GET /reviews/next)");
        }
        Lease lease = leases.get(contentId);
        if (held(reviewer, contentId, now).isEmpty() || !lease.leaseId().equals(leaseId)) {
            throw new ClipGuardException(ErrorCode.LEASE_NOT_HELD, "'" + contentId + "' is not leased to " + reviewer + " under lease '" + leaseId
                    + "' (take it with GET /reviews/next; leases last " + leaseFor.toMinutes() + " minutes)");
        }
        return item;
    }

    /** Items waiting for a verdict. */
    public int depth() {
        return pending.size();
    }

    /** Seconds since the oldest waiting item was decided (0 when none). */
    public double oldestAgeSeconds(long now) {
        return pending.values().stream().map(i -> i.decision().getDecidedAt()).min(Comparator.naturalOrder())
                .map(t -> Math.max(0, now - t.toEpochMilli()) / 1000.0).orElse(0.0);
    }

    /** Items dropped because the queue was full (the oldest go first). */
    public long dropped() {
        return dropped;
    }

    private static boolean matches(Item i, String tenant) {
        return tenant == null || tenant.isBlank() || tenant.equals(i.decision().getTenant());
    }
}
