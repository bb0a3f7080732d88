package io.clipguard.telemetry;

import java.util.Arrays;

/**
 * Whether a category's scores still look like they did: the population stability index (PSI)
 * between a reference (the first {@code reference} probabilities scored by a policy version)
 * and the latest {@code window}, over ten equal-width bins of probability. PSI = sum over bins
 * of (now - then) * ln(now / then), each bin's share smoothed by half an image so an empty bin
 * is finite. Common reading: under 0.1 stable, 0.1-0.25 shifted, over 0.25 a different
 * population (a new kind of upload, a camera or compression change, a broken model). Bounded:
 * two arrays of ten counts and a ring of {@code window} bin indexes.
 */
public final class ScoreDrift {
    static final int BINS = 10;

    private final int reference;
    private final long[] then = new long[BINS];
    private long thenCount;
    private final byte[] ring;
    private final long[] now = new long[BINS];
    private int ringSize;
    private int next;

    public ScoreDrift(int reference, int window) {
        this.reference = reference;
        this.ring = new byte[window];
    }

    /** Counts one probability: into the reference until it is full, then into the window. */
    public synchronized void add(double probability) {
        int bin = Math.max(0, Math.min(BINS - 1, (int) Math.floor(probability * BINS)));
        if (thenCount < reference) {
            then[bin]++;
            thenCount++;
            return;
        }
        if (ringSize == ring.length) {
            now[ring[next]]--;
        } else {
            ringSize++;
        }
        ring[next] = (byte) bin;
        now[bin]++;
        next = (next + 1) % ring.length;
    }

    /** The PSI of the window against the reference; 0 until the reference is full and the window holds a tenth of itself. */
    public synchronized double psi() {
        if (thenCount < reference || ringSize < Math.max(1, ring.length / 10)) {
            return 0;
        }
        double psi = 0;
        for (int b = 0; b < BINS; b++) {
            double p = (then[b] + 0.5) / (thenCount + 0.5 * BINS);
            double q = (now[b] + 0.5) / (ringSize + 0.5 * BINS);
            psi += (q - p) * Math.log(q / p);
        }
        return psi;
    }

    /** Starts over (a new policy version scores differently by design). */
    public synchronized void reset() {
        Arrays.fill(then, 0);
        Arrays.fill(now, 0);
        thenCount = 0;
        ringSize = 0;
        next = 0;
    }
}
