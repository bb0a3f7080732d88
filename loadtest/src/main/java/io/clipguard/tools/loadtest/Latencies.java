package io.clipguard.tools.loadtest;

import java.util.Arrays;

/**
 * A growing list of long samples with exact percentiles (sorted on demand). A drill records
 * at most a few million samples, so exact beats a histogram's buckets here.
 */
public final class Latencies {
    private long[] values = new long[1024];
    private int size;

    public synchronized void add(long value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    public synchronized int count() {
        return size;
    }

    /** The {@code p}-th percentile (0-100, nearest rank), or 0 without samples. */
    public synchronized long percentile(double p) {
        if (size == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * size);
        return sorted[Math.max(0, Math.min(size - 1, rank - 1))];
    }

    public synchronized double mean() {
        if (size == 0) {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            sum += values[i];
        }
        return sum / size;
    }
}
