package io.clipguard.insight;

/**
 * One line of the live feed: a decision or a dead letter, in the few fields a dashboard
 * shows. {@code sourcePartition}/{@code sourceOffset} locate the upload (for its thumbnail).
 *
 * @param kind        {@code decision}, {@code dead-letter}, or {@code missed} (events this client fell too far behind to get; their count in {@code latencyMs})
 * @param action      ALLOW, REVIEW or BLOCK; null for a dead letter
 * @param category    the triggering category, else the most probable one; null for a dead letter
 * @param probability that category's probability
 * @param calibrated  whether that probability is calibrated; null for a dead letter
 * @param reason      the dead letter's reason code; null for a decision
 * @param tenant      the upload's tenant; null for a dead letter (its record may not have been readable)
 */
public record FeedEvent(String kind, String contentId, String action, String category, Double probability, Boolean calibrated,
                        String policyId, Integer policyVersion, Long latencyMs, String reason, String message, long at, Integer sourcePartition,
                        Long sourceOffset, String tenant) {
    public boolean isDecision() {
        return "decision".equals(kind);
    }

    /**
     * Whether a client that asked for {@code tenant} and {@code policyId} (null: any) shows this
     * event. A dead letter names neither, so a filtered feed leaves dead letters out.
     */
    public boolean shownFor(String tenant, String policyId) {
        return (tenant == null || tenant.equals(this.tenant)) && (policyId == null || policyId.equals(this.policyId));
    }

    /** Tells a client it missed {@code count} events. */
    public static FeedEvent missed(long count, long at) {
        return new FeedEvent("missed", null, null, null, null, null, null, null, count, null, count + " events missed", at, null, null, null);
    }
}
