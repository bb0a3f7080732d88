package io.clipguard.pdq;

import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Finds, among up to millions of PDQ hashes, the one nearest a query within a Hamming radius,
 * without scanning them all: multi-index hashing (Norouzi, Punjani and Fleet). The 256 bits are
 * cut into 16 chunks of 16; two hashes within distance {@code d} agree to within
 * {@code d / 16} bits on at least one chunk (pigeonhole), so the candidates are the entries
 * whose chunk lies within that radius of the query's in one of the 16 tables, and only they
 * are compared in full. Each table is a counting-sorted array of entry numbers with an offset
 * per chunk value (no boxing, no hash maps): 4 bytes per entry per table plus 256 KiB per table.
 *
 * <p>Immutable once built: a bank change builds a new index (a counting sort, linear in the
 * entries) and swaps it in, so lookups never lock.
 */
public final class PdqIndex {
    /** The widest radius searched (3 differing bits per chunk: 697 probes per table). */
    public static final int MAX_DISTANCE = 63;
    private static final int CHUNKS = 16;
    private static final int VALUES = 1 << 16;

    private static final BitSet NONE_DEAD = new BitSet();

    private final long[] words;
    private final int size;
    private final int[][] starts = new int[CHUNKS][];
    private final int[][] entries = new int[CHUNKS][];

    /** A match: the entry's position in the list the index was built from, and its distance. */
    public record Match(int entry, int distance) {
    }

    public PdqIndex(List<PdqHash> hashes) {
        size = hashes.size();
        words = new long[size * 4];
        for (int i = 0; i < size; i++) {
            PdqHash h = hashes.get(i);
            words[i * 4] = h.w0();
            words[i * 4 + 1] = h.w1();
            words[i * 4 + 2] = h.w2();
            words[i * 4 + 3] = h.w3();
        }
        for (int c = 0; c < CHUNKS; c++) {
            int[] start = new int[VALUES + 1];
            for (int i = 0; i < size; i++) {
                start[chunk(i, c) + 1]++;
            }
            for (int v = 0; v < VALUES; v++) {
                start[v + 1] += start[v];
            }
            int[] next = Arrays.copyOf(start, VALUES);
            int[] sorted = new int[size];
            for (int i = 0; i < size; i++) {
                sorted[next[chunk(i, c)]++] = i;
            }
            starts[c] = start;
            entries[c] = sorted;
        }
    }

    public int size() {
        return size;
    }

    /** Bytes this index holds (the hashes and the 16 tables). */
    public long bytes() {
        return (long) size * 32 + (long) CHUNKS * ((long) size * 4 + (VALUES + 1) * 4L);
    }

    /** The nearest entry within {@code maxDistance} (0-{@value #MAX_DISTANCE}) bits, the first built on a tie; null when none. */
    public Match nearest(PdqHash query, int maxDistance) {
        return nearest(query, maxDistance, NONE_DEAD);
    }

    /** The same, passing over the entries set in {@code dead} (removed or replaced since the index was built). */
    public Match nearest(PdqHash query, int maxDistance, BitSet dead) {
        if (maxDistance < 0 || maxDistance > MAX_DISTANCE) {
            throw new IllegalArgumentException("a PDQ match distance is 0-" + MAX_DISTANCE + ", not " + maxDistance);
        }
        if (size == 0) {
            return null;
        }
        int radius = maxDistance / CHUNKS;
        Best best = new Best(maxDistance + 1, dead);
        for (int c = 0; c < CHUNKS; c++) {
            int q = query.chunk(c);
            scan(c, q, query, best);
            // Every chunk value within `radius` bits of q: one, two, then three bits flipped.
            for (int a = 0; radius >= 1 && a < 16; a++) {
                int va = q ^ (1 << a);
                scan(c, va, query, best);
                for (int b = a + 1; radius >= 2 && b < 16; b++) {
                    int vb = va ^ (1 << b);
                    scan(c, vb, query, best);
                    for (int g = b + 1; radius >= 3 && g < 16; g++) {
                        scan(c, vb ^ (1 << g), query, best);
                    }
                }
            }
        }
        return best.entry < 0 ? null : new Match(best.entry, best.distance);
    }

    private static final class Best {
        final BitSet dead;
        int entry = -1;
        int distance;

        Best(int distance, BitSet dead) {
            this.distance = distance;
            this.dead = dead;
        }
    }

    /**
     * Compares the entries whose chunk {@code c} is {@code value}. The cost is one memory read
     * of a random entry per candidate (about 50 ns when the hashes outgrow the cache: a
     * million-entry bank spends 0.3 ms per hash here, 4,000 candidates at distance 31).
     */
    private void scan(int c, int value, PdqHash query, Best best) {
        int[] sorted = entries[c];
        for (int k = starts[c][value], end = starts[c][value + 1]; k < end; k++) {
            int e = sorted[k];
            int d = distance(e, query);
            if ((d < best.distance || (d == best.distance && e < best.entry)) && !best.dead.get(e)) {
                best.entry = e;
                best.distance = d;
            }
        }
    }

    /** The nearest entry by comparing every one: the index's reference in tests and benchmarks. */
    public Match nearestByScan(PdqHash query, int maxDistance) {
        int best = -1;
        int bestDistance = maxDistance + 1;
        for (int e = 0; e < size; e++) {
            int d = distance(e, query);
            if (d < bestDistance) {
                best = e;
                bestDistance = d;
            }
        }
        return best < 0 ? null : new Match(best, bestDistance);
    }

    private int chunk(int entry, int c) {
        return (int) (words[entry * 4 + (c >> 2)] >>> ((c & 3) << 4)) & 0xffff;
    }

    private int distance(int e, PdqHash q) {
        int o = e * 4;
        return Long.bitCount(words[o] ^ q.w0()) + Long.bitCount(words[o + 1] ^ q.w1()) + Long.bitCount(words[o + 2] ^ q.w2())
                + Long.bitCount(words[o + 3] ^ q.w3());
    }
}
