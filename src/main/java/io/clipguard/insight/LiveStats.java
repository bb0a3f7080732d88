package io.clipguard.insight;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rolling aggregates of the feed for the dashboard: decisions per second by action and by
 * category over the last {@code seconds}, end-to-end latency percentiles over the latest
 * decisions, and dead letters by reason. Bounded memory: one counter per second per label
 * (labels are actions, a policy's categories and reason codes) and a fixed latency window.
 */
public final class LiveStats {
    private static final int LATENCY_WINDOW = 2000;

    private final int seconds;
    private final Map<String, long[]> byAction = new TreeMap<>();
    private final Map<String, long[]> byCategory = new TreeMap<>();
    private final Map<String, Long> deadLetters = new TreeMap<>();
    private final Deque<Long> latencies = new ArrayDeque<>();
    private long decisions;
    private long newestSecond;

    public LiveStats(int seconds) {
        this.seconds = seconds;
    }

    public synchronized void add(FeedEvent e) {
        long second = e.at() / 1000;
        advanceTo(second);
        if (second <= newestSecond - seconds) {
            return;
        }
        int slot = (int) Math.floorMod(second, (long) seconds);
        if (e.isDecision()) {
            decisions++;
            byAction.computeIfAbsent(e.action(), k -> new long[seconds])[slot]++;
            if (e.category() != null && !"ALLOW".equals(e.action())) {
                byCategory.computeIfAbsent(e.category(), k -> new long[seconds])[slot]++;
            }
            if (e.latencyMs() != null) {
                latencies.addLast(e.latencyMs());
                if (latencies.size() > LATENCY_WINDOW) {
                    latencies.removeFirst();
                }
            }
        } else {
            deadLetters.merge(e.reason(), 1L, Long::sum);
            byAction.computeIfAbsent("DEAD_LETTER", k -> new long[seconds])[slot]++;
        }
    }

    /** Clears the slots of seconds that passed without events. */
    private void advanceTo(long second) {
        if (second <= newestSecond) {
            return;
        }
        long from = Math.max(newestSecond + 1, second - seconds + 1);
        for (long s = from; s <= second; s++) {
            int slot = (int) Math.floorMod(s, (long) seconds);
            byAction.values().forEach(a -> a[slot] = 0);
            byCategory.values().forEach(a -> a[slot] = 0);
        }
        newestSecond = second;
    }

    /** The dashboard's numbers as of {@code nowMillis}. */
    public synchronized Snapshot snapshot(long nowMillis) {
        long now = nowMillis / 1000;
        advanceTo(now);
        long first = now - seconds + 1;
        return new Snapshot(first, series(byAction, first), series(byCategory, first), percentile(50), percentile(99), latencies.size(),
                new LinkedHashMap<>(deadLetters), decisions);
    }

    private Map<String, long[]> series(Map<String, long[]> counts, long first) {
        Map<String, long[]> out = new LinkedHashMap<>();
        counts.forEach((label, ring) -> {
            long[] ordered = new long[seconds];
            for (int i = 0; i < seconds; i++) {
                ordered[i] = ring[(int) Math.floorMod(first + i, (long) seconds)];
            }
            if (Arrays.stream(ordered).anyMatch(v -> v > 0)) {
                out.put(label, ordered);
            }
        });
        return out;
    }

    private long percentile(double p) {
        if (latencies.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(latencies);
        sorted.sort(null);
        return sorted.get(Math.max(0, (int) Math.ceil(p / 100 * sorted.size()) - 1));
    }

    /**
     * @param firstSecond epoch second of the first entry of every series (one entry per second)
     * @param decisionsSeen decisions since the feed started reading (it starts some minutes back)
     */
    public record Snapshot(long firstSecond, Map<String, long[]> perSecondByAction, Map<String, long[]> perSecondByCategory, long p50LatencyMs,
                           long p99LatencyMs, int latencySamples, Map<String, Long> deadLettersByReason, long decisionsSeen) {
    }
}
