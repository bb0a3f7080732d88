package io.clipguard.bank;

import io.clipguard.clip.NearestRows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * A bank's exemplar embeddings of one model as one matrix ({@link NearestRows}: from 1,024 rows
 * off the heap and searched by a matrix product per batch), with each row's entry id and the table slot it was
 * built from, so that entries removed since can be left out without copying the rows. Rows and
 * queries are L2-normalised, so the dot product is the cosine; the search is exhaustive,
 * because no approximate index is exact and a bank's match must be.
 */
final class ExemplarMatrix {
    private final String[] ids;
    private final int[] slots;
    private final NearestRows rows;

    private ExemplarMatrix(String[] ids, int[] slots, NearestRows rows) {
        this.ids = ids;
        this.slots = slots;
        this.rows = rows;
    }

    /** @param slots the table slot of each row, ascending */
    static ExemplarMatrix of(String[] ids, int[] slots, List<float[]> vectors, int dimension) {
        if (ids.length != vectors.size() || slots.length != ids.length) {
            throw new IllegalArgumentException(ids.length + " ids, " + slots.length + " slots and " + vectors.size() + " rows");
        }
        return new ExemplarMatrix(ids, slots, NearestRows.of(vectors, dimension));
    }

    /** The same rows with those built from {@code freedSlots} left out; this matrix when none was. */
    ExemplarMatrix withoutSlots(BitSet freedSlots) {
        BitSet leftOut = new BitSet();
        for (int s = freedSlots.nextSetBit(0); s >= 0; s = freedSlots.nextSetBit(s + 1)) {
            int row = Arrays.binarySearch(slots, s);
            if (row >= 0) {
                leftOut.set(row);
            }
        }
        return leftOut.isEmpty() ? this : new ExemplarMatrix(ids, slots, rows.without(leftOut));
    }

    /** The nearest kept row to a query: its entry id and cosine, or null when every row is left out. */
    record Nearest(String id, double similarity) {
    }

    /** The nearest kept row to each query, in order. */
    List<Nearest> nearest(List<float[]> queries) {
        NearestRows.Nearest found = rows.nearest(queries);
        List<Nearest> out = new ArrayList<>(queries.size());
        for (int q = 0; q < queries.size(); q++) {
            int r = found.rows()[q];
            out.add(r < 0 ? null : new Nearest(ids[r], found.dots()[q]));
        }
        return out;
    }
}
