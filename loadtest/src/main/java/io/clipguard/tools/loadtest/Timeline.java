package io.clipguard.tools.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Outputs, latencies and batch sizes per second of a run, for the report's charts. */
public final class Timeline {
    private final long startNanos;
    private final Map<Integer, Latencies> latencies = new TreeMap<>();
    private final Map<Integer, long[]> batches = new TreeMap<>();
    private final Map<Integer, long[]> outputs = new TreeMap<>();

    public Timeline(long startNanos) {
        this.startNanos = startNanos;
    }

    /** One output seen at {@code nowNanos}; its latency in ms, or null when unknown. */
    public synchronized void output(long nowNanos, Long latencyMs) {
        int s = second(nowNanos);
        outputs.computeIfAbsent(s, k -> new long[1])[0]++;
        if (latencyMs != null) {
            latencies.computeIfAbsent(s, k -> new Latencies()).add(latencyMs);
        }
    }

    public synchronized void batch(long nowNanos, int size) {
        long[] sumCount = batches.computeIfAbsent(second(nowNanos), k -> new long[2]);
        sumCount[0] += size;
        sumCount[1]++;
    }

    private int second(long nowNanos) {
        return (int) ((nowNanos - startNanos) / 1_000_000_000L);
    }

    /** One row per second from the first to the last that saw anything. */
    public synchronized List<Second> seconds() {
        List<Second> out = new ArrayList<>();
        int last = Math.max(outputs.isEmpty() ? -1 : ((TreeMap<Integer, long[]>) outputs).lastKey(),
                batches.isEmpty() ? -1 : ((TreeMap<Integer, long[]>) batches).lastKey());
        for (int s = 0; s <= last; s++) {
            Latencies l = latencies.get(s);
            long[] b = batches.get(s);
            long[] o = outputs.get(s);
            out.add(new Second(s, o == null ? 0 : o[0], l == null ? 0 : l.percentile(50), l == null ? 0 : l.percentile(99),
                    b == null ? 0 : (double) b[0] / b[1]));
        }
        return out;
    }

    /** @param meanBatch mean size of the inference batches whose first image was answered in this second (0: none) */
    public record Second(int second, long outputs, long p50Ms, long p99Ms, double meanBatch) {
    }
}
