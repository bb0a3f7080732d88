package io.clipguard.insight;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dashboard's rolling aggregates for everything, and for each tenant, each policy and each
 * tenant with its policy, so that a dashboard narrowed to one product shows that product's rates
 * and latencies, not the whole instance's. Bounded: the {@value #MAX_SCOPES} scopes seen most
 * recently are kept (a tenant not seen for a while is counted again from its next decision), each
 * a {@link LiveStats}. Dead letters name no tenant or policy reliably, so only the unscoped
 * aggregates count them, as a filtered feed leaves them out.
 */
public final class ScopedStats {
    static final int MAX_SCOPES = 256;

    private final int seconds;
    private final LiveStats all;
    private final Map<String, LiveStats> scopes = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, LiveStats> eldest) {
            return size() > MAX_SCOPES;
        }
    };

    public ScopedStats(int seconds) {
        this.seconds = seconds;
        this.all = new LiveStats(seconds);
    }

    public void add(FeedEvent e) {
        all.add(e);
        if (!e.isDecision()) {
            return;
        }
        synchronized (scopes) {
            if (e.tenant() != null) {
                scope(key(e.tenant(), null)).add(e);
            }
            if (e.policyId() != null) {
                scope(key(null, e.policyId())).add(e);
            }
            if (e.tenant() != null && e.policyId() != null) {
                scope(key(e.tenant(), e.policyId())).add(e);
            }
        }
    }

    /** The aggregates of decisions of {@code tenant} and {@code policyId} (null: any), as of {@code nowMillis}. */
    public LiveStats.Snapshot snapshot(String tenant, String policyId, long nowMillis) {
        if (tenant == null && policyId == null) {
            return all.snapshot(nowMillis);
        }
        LiveStats scoped;
        synchronized (scopes) {
            scoped = scopes.get(key(tenant, policyId));
        }
        return (scoped != null ? scoped : new LiveStats(seconds)).snapshot(nowMillis);
    }

    private LiveStats scope(String key) {
        return scopes.computeIfAbsent(key, k -> new LiveStats(seconds));
    }

    private static String key(String tenant, String policyId) {
        return (tenant == null ? "" : "t:" + tenant) + "\u0000" + (policyId == null ? "" : "p:" + policyId);
    }
}
