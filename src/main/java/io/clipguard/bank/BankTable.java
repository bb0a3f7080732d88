package io.clipguard.bank;

import io.clipguard.pdq.PdqHash;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One bank's entries, held column by column: a million PDQ entries are a few arrays and their
 * ids, not millions of small objects. Why: G1 marks every live object on each concurrent cycle,
 * and a million-entry bank held as records, hash objects and map nodes (seven objects an entry)
 * cost a loaded service more CPU in marking than the lookups themselves.
 *
 * <p>Slots are append-only between compactions: an entry added or replaced takes a new slot and
 * a replaced or removed one's slot is only marked freed. So a published snapshot, which reads
 * the arrays as they were at its publication, never sees a slot it reads change; growth and
 * {@link #compact} make new arrays and leave the old ones to the snapshots that hold them. The
 * freed slots are reclaimed when {@link Banks} rebuilds a base, or by a put once they outnumber
 * the held entries by {@value #REPLACED_BEFORE_COMPACTING} (a backlog that rewrites one key
 * between two publishes), so the columns stay within twice the entries held plus that many.
 *
 * <p>Not thread-safe: {@link Banks} guards every call.
 */
final class BankTable {
    /** The arrays a snapshot reads: slot {@code s} holds {@code ids[s]} and, for a PDQ entry, words {@code 4s..4s+3}. */
    record Columns(String[] ids, long[] words) {
        int distance(int slot, PdqHash q) {
            int o = slot * 4;
            return Long.bitCount(words[o] ^ q.w0()) + Long.bitCount(words[o + 1] ^ q.w1()) + Long.bitCount(words[o + 2] ^ q.w2())
                    + Long.bitCount(words[o + 3] ^ q.w3());
        }
    }

    /** Freed slots beyond the held entries' number before a put compacts the columns. */
    static final int REPLACED_BEFORE_COMPACTING = 4096;

    private final String bank;
    /** A HashMap, whose bins turn into trees, because ids come from imported hash lists: crafted colliding ids stay cheap. */
    private final Map<String, Integer> slotOf = new HashMap<>();
    private String[] ids = new String[16];
    private long[] words = new long[64];
    /** Null for a PDQ entry. */
    private float[][] vectors = new float[16][];
    private String[] digests = new String[16];
    private Instant[] expiries = new Instant[16];
    private int slots;
    private final BitSet freed = new BitSet();
    private int exemplars;
    private int changes;
    private int generation;

    BankTable(String bank) {
        this.bank = bank;
    }

    /** Adds or replaces an entry (in a new slot); true when its id is new. */
    boolean put(Banks.Entry e) {
        if ((e.pdq() == null) == (e.vector() == null)) {
            throw new IllegalArgumentException("a bank entry is a PDQ hash or an exemplar vector: " + e.id());
        }
        Integer old = slotOf.get(e.id());
        if (old != null) {
            free(old);
        }
        if (slots == ids.length) {
            grow();
        }
        int s = slots++;
        ids[s] = e.id();
        if (e.pdq() != null) {
            words[s * 4] = e.pdq().w0();
            words[s * 4 + 1] = e.pdq().w1();
            words[s * 4 + 2] = e.pdq().w2();
            words[s * 4 + 3] = e.pdq().w3();
        } else {
            vectors[s] = e.vector();
            digests[s] = e.modelDigest();
            exemplars++;
        }
        expiries[s] = e.expiresAt();
        slotOf.put(e.id(), s);
        changes++;
        if (slots - size() > size() + REPLACED_BEFORE_COMPACTING) {
            // Replacements between publishes (a backlog rewriting one key) would otherwise grow the columns without bound.
            compact();
        }
        return old == null;
    }

    /** Removes entry {@code id}; false when it is not held. */
    boolean remove(String id) {
        Integer s = slotOf.remove(id);
        if (s == null) {
            return false;
        }
        free(s);
        changes++;
        return true;
    }

    private void free(int s) {
        freed.set(s);
        if (vectors[s] != null) {
            exemplars--;
            // No snapshot reads a vector (the exemplar matrices are copies): a freed one need not wait for the compaction.
            vectors[s] = null;
            digests[s] = null;
        }
    }

    private void grow() {
        int n = ids.length * 2;
        ids = Arrays.copyOf(ids, n);
        words = Arrays.copyOf(words, n * 4);
        vectors = Arrays.copyOf(vectors, n);
        digests = Arrays.copyOf(digests, n);
        expiries = Arrays.copyOf(expiries, n);
    }

    /**
     * Moves the held entries to the front of new arrays, in slot order, and forgets the freed
     * slots; the slots change, so a base built before is void ({@link #generation} tells).
     */
    void compact() {
        generation++;
        int n = Math.max(16, Integer.highestOneBit(Math.max(1, size())) * 2);
        String[] i2 = new String[n];
        long[] w2 = new long[n * 4];
        float[][] v2 = new float[n][];
        String[] d2 = new String[n];
        Instant[] e2 = new Instant[n];
        int to = 0;
        for (int s = 0; s < slots; s++) {
            if (freed.get(s)) {
                continue;
            }
            i2[to] = ids[s];
            System.arraycopy(words, s * 4, w2, to * 4, 4);
            v2[to] = vectors[s];
            d2[to] = digests[s];
            e2[to] = expiries[s];
            if (to != s) {
                slotOf.put(ids[s], to);
            }
            to++;
        }
        ids = i2;
        words = w2;
        vectors = v2;
        digests = d2;
        expiries = e2;
        slots = to;
        freed.clear();
        changes = 0;
    }

    String bank() {
        return bank;
    }

    int size() {
        return slotOf.size();
    }

    boolean holds(String id) {
        return slotOf.containsKey(id);
    }

    /** The bytes of entry {@code id}'s exemplar vector; 0 for a hash or an entry not held. */
    long vectorBytes(String id) {
        Integer s = slotOf.get(id);
        return s == null || vectors[s] == null ? 0 : 4L * vectors[s].length;
    }

    /** Slots used since the last compaction, held or freed. */
    int slots() {
        return slots;
    }

    /** Compactions so far: a base built over an earlier generation's slots no longer matches them. */
    int generation() {
        return generation;
    }

    /** Adds, replacements and removals since the last compaction. */
    int changes() {
        return changes;
    }

    boolean hasExemplars() {
        return exemplars > 0;
    }

    Columns columns() {
        return new Columns(ids, words);
    }

    /** Whether slot {@code s} holds an entry (not freed) that is a PDQ hash, and is live at {@code now}. */
    boolean livePdq(int s, Instant now) {
        return !freed.get(s) && vectors[s] == null && live(s, now);
    }

    boolean live(int s, Instant now) {
        return !freed.get(s) && (expiries[s] == null || expiries[s].isAfter(now));
    }

    /** The earliest expiry after {@code now} among the held entries of slots {@code from} to {@link #slots}, or {@code sooner}. */
    Instant nextExpiry(int from, Instant now, Instant sooner) {
        Instant next = sooner;
        for (int s = from; s < slots; s++) {
            Instant x = expiries[s];
            if (x != null && !freed.get(s) && x.isAfter(now) && (next == null || x.isBefore(next))) {
                next = x;
            }
        }
        return next;
    }

    /** The freed slots below {@code below}: entries a base built over them no longer holds. */
    BitSet freedBelow(int below) {
        int first = freed.nextSetBit(0);
        return first < 0 || first >= below ? new BitSet() : freed.get(0, below);
    }

    /** The live exemplars of slots {@code from} to {@link #slots}, one matrix per model digest and dimension. */
    Map<String, ExemplarMatrix> exemplars(int from, Instant now) {
        if (exemplars == 0) {
            return Map.of();
        }
        Map<String, List<Integer>> byKey = new HashMap<>();
        for (int s = from; s < slots; s++) {
            if (vectors[s] != null && digests[s] != null && live(s, now)) {
                byKey.computeIfAbsent(Banks.matrixKey(digests[s], vectors[s].length), k -> new ArrayList<>()).add(s);
            }
        }
        Map<String, ExemplarMatrix> out = new HashMap<>();
        byKey.forEach((key, list) -> {
            int[] rowSlots = list.stream().mapToInt(Integer::intValue).toArray();
            String[] rowIds = new String[rowSlots.length];
            List<float[]> rows = new ArrayList<>(rowSlots.length);
            for (int i = 0; i < rowSlots.length; i++) {
                rowIds[i] = ids[rowSlots[i]];
                rows.add(vectors[rowSlots[i]]);
            }
            out.put(key, ExemplarMatrix.of(rowIds, rowSlots, rows, vectors[rowSlots[0]].length));
        });
        return Map.copyOf(out);
    }

    /** The held entries in slot order (a replaced entry after those added before its replacement). */
    List<Banks.Entry> entries() {
        List<Banks.Entry> out = new ArrayList<>(size());
        for (int s = 0; s < slots; s++) {
            if (!freed.get(s)) {
                PdqHash hash = vectors[s] == null ? new PdqHash(words[s * 4], words[s * 4 + 1], words[s * 4 + 2], words[s * 4 + 3]) : null;
                out.add(new Banks.Entry(bank, ids[s], hash, vectors[s], digests[s], expiries[s]));
            }
        }
        return out;
    }
}
