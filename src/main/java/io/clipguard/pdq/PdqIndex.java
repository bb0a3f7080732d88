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
 * <p>At a million entries and distance 31 a hash has about 4,000 candidates, and reading each
 * one's hash is a cache miss (about 60 ns here): 0.3 ms per hash, 2.4 ms for the eight turns of
 * an image. So each table also keeps, in its own order, 96 further bits of every entry (the next
 * 64-bit word and half the one after, none of them in the table's chunk): their differences are a
 * lower bound on the distance, read in sequence with the bucket, which rules out all but the
 * nearest candidates before the random read (a random candidate differs in about 48 of them, a
 * match within 31 in at most 31). That costs 12 bytes per entry per table more and made a lookup
 * three to four times faster ({@code ./clipguard bench bank}).
 *
 * <p>Immutable once built: a bank change builds a new index (a counting sort, linear in the
 * entries) and swaps it in, so lookups never lock.
 */
public final class PdqIndex {
    /** The widest distance searched (3 differing bits per chunk: 697 probes per table). */
    public static final int MAX_DISTANCE = 63;
    private static final int CHUNKS = 16;
    private static final int VALUES = 1 << 16;

    private static final BitSet NONE_DEAD = new BitSet();

    private final long[] words;
    private final int size;
    private final int[][] starts = new int[CHUNKS][];
    private final int[][] entries = new int[CHUNKS][];
    /** Per table, in the table's order: the entry's word after the chunk's, and the high half of the word after that. */
    private final long[][] nextWords = new long[CHUNKS][];
    private final int[][] halfWords = new int[CHUNKS][];

    /** A match: the entry's position in the list the index was built from, and its distance. */
    public record Match(int entry, int distance) {
    }

    public PdqIndex(List<PdqHash> hashes) {
        this(words(hashes), hashes.size());
    }

    /** The index of the first {@code size} hashes of {@code hashWords} (four words each, as {@link PdqHash} holds them), copied. */
    public PdqIndex(long[] hashWords, int size) {
        this.size = size;
        words = Arrays.copyOf(hashWords, size * 4);
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
            long[] next64 = new long[size];
            int[] half = new int[size];
            int w = c >> 2;
            for (int i = 0; i < size; i++) {
                int k = next[chunk(i, c)]++;
                sorted[k] = i;
                next64[k] = words[i * 4 + ((w + 1) & 3)];
                half[k] = (int) (words[i * 4 + ((w + 2) & 3)] >>> 32);
            }
            starts[c] = start;
            entries[c] = sorted;
            nextWords[c] = next64;
            halfWords[c] = half;
        }
    }

    private static long[] words(List<PdqHash> hashes) {
        long[] w = new long[hashes.size() * 4];
        for (int i = 0; i < hashes.size(); i++) {
            PdqHash h = hashes.get(i);
            w[i * 4] = h.w0();
            w[i * 4 + 1] = h.w1();
            w[i * 4 + 2] = h.w2();
            w[i * 4 + 3] = h.w3();
        }
        return w;
    }

    public int size() {
        return size;
    }

    /** Bytes this index holds (the hashes and the 16 tables). */
    public long bytes() {
        return (long) size * 32 + (long) CHUNKS * ((long) size * 16 + (VALUES + 1) * 4L);
    }

    /** The nearest entry within {@code maxDistance} (0-{@value #MAX_DISTANCE}) bits, the first built on a tie; null when none. */
    public Match nearest(PdqHash query, int maxDistance) {
        return nearest(query, maxDistance, NONE_DEAD);
    }

    /** The same, passing over the entries set in {@code dead} (removed or replaced since the index was built). */
    public Match nearest(PdqHash query, int maxDistance, BitSet dead) {
        return nearestEach(List.of(query), maxDistance, dead)[0];
    }

    /**
     * The nearest entry to each query (an image's eight turns, say), in order. Asked together,
     * the queries share each table's pass: every bucket's bounds are read first, all of them
     * independent loads the processor overlaps, and the buckets are walked after (a quarter
     * faster for eight turns than one query at a time).
     */
    public Match[] nearestEach(List<PdqHash> queries, int maxDistance, BitSet dead) {
        if (maxDistance < 0 || maxDistance > MAX_DISTANCE) {
            throw new IllegalArgumentException("a PDQ match distance is 0-" + MAX_DISTANCE + ", not " + maxDistance);
        }
        Match[] found = new Match[queries.size()];
        if (size == 0) {
            return found;
        }
        int radius = maxDistance / CHUNKS;
        int perQuery = probeCount(radius);
        Best[] best = new Best[queries.size()];
        for (int i = 0; i < best.length; i++) {
            best[i] = new Best(maxDistance + 1, dead);
        }
        int[] from = new int[queries.size() * perQuery];
        int[] to = new int[from.length];
        int[] values = new int[perQuery];
        for (int c = 0; c < CHUNKS; c++) {
            int[] start = starts[c];
            for (int i = 0, n = 0; i < queries.size(); i++) {
                probes(queries.get(i).chunk(c), radius, values);
                for (int value : values) {
                    from[n] = start[value];
                    to[n++] = start[value + 1];
                }
            }
            for (int i = 0; i < queries.size(); i++) {
                scan(c, from, to, i * perQuery, perQuery, queries.get(i), best[i]);
            }
        }
        for (int i = 0; i < found.length; i++) {
            found[i] = best[i].entry < 0 ? null : new Match(best[i].entry, best[i].distance);
        }
        return found;
    }

    /** How many chunk values lie within {@code radius} bits of one: 1, 17, 137 or 697. */
    private static int probeCount(int radius) {
        int count = 1;
        for (int k = 1, choose = 1; k <= radius; k++) {
            choose = choose * (16 - k + 1) / k;
            count += choose;
        }
        return count;
    }

    /** Every chunk value within {@code radius} bits of {@code q}: itself, then one, two and three bits flipped. */
    private static void probes(int q, int radius, int[] out) {
        int n = 0;
        out[n++] = q;
        for (int a = 0; radius >= 1 && a < 16; a++) {
            int va = q ^ (1 << a);
            out[n++] = va;
            for (int b = a + 1; radius >= 2 && b < 16; b++) {
                int vb = va ^ (1 << b);
                out[n++] = vb;
                for (int g = b + 1; radius >= 3 && g < 16; g++) {
                    out[n++] = vb ^ (1 << g);
                }
            }
        }
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
     * Compares the entries of one query's buckets in table {@code c}: first the 96 bits the table
     * keeps in sequence, then, for the few whose lower bound could still beat the best, the whole
     * hash (a random read).
     */
    private void scan(int c, int[] from, int[] to, int first, int count, PdqHash query, Best best) {
        int[] sorted = entries[c];
        long[] next64 = nextWords[c];
        int[] half = halfWords[c];
        int w = c >> 2;
        long q64 = query.word((w + 1) & 3);
        int q32 = (int) (query.word((w + 2) & 3) >>> 32);
        for (int p = first; p < first + count; p++) {
            for (int k = from[p], end = to[p]; k < end; k++) {
                if (Long.bitCount(next64[k] ^ q64) + Integer.bitCount(half[k] ^ q32) > best.distance) {
                    continue;
                }
                int e = sorted[k];
                int d = distance(e, query);
                if ((d < best.distance || (d == best.distance && e < best.entry)) && !best.dead.get(e)) {
                    best.entry = e;
                    best.distance = d;
                }
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
