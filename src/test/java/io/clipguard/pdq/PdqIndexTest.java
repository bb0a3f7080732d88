package io.clipguard.pdq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The multi-index (with its per-table lower bounds) finds exactly what a full scan finds, at every radius it allows. */
class PdqIndexTest {
    static PdqHash random(Random r) {
        return new PdqHash(r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong());
    }

    /** {@code h} with {@code bits} distinct bits flipped. */
    static PdqHash flip(PdqHash h, int bits, Random r) {
        long[] w = {h.w0(), h.w1(), h.w2(), h.w3()};
        java.util.Set<Integer> chosen = new java.util.HashSet<>();
        while (chosen.size() < bits) {
            chosen.add(r.nextInt(256));
        }
        chosen.forEach(k -> w[k >> 6] ^= 1L << (k & 63));
        return new PdqHash(w[0], w[1], w[2], w[3]);
    }

    @Test
    void findsWhatAScanFindsAtEveryRadius() {
        Random r = new Random(19);
        List<PdqHash> hashes = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            hashes.add(random(r));
        }
        for (int i = 0; i < 500; i++) {
            hashes.add(hashes.get(r.nextInt(hashes.size()))); // ties at every distance: the first entry wins
        }
        PdqIndex index = new PdqIndex(hashes);
        int found = 0;
        for (int radius : new int[] {0, 15, 31, 47, 63}) {
            for (int i = 0; i < 300; i++) {
                PdqHash member = hashes.get(r.nextInt(hashes.size()));
                PdqHash query = i % 3 == 0 ? random(r) : flip(member, r.nextInt(radius + 8), r);
                PdqIndex.Match fast = index.nearest(query, radius);
                PdqIndex.Match scan = index.nearestByScan(query, radius);
                assertThat(fast).as("radius %d query %d", radius, i).isEqualTo(scan);
                assertThat(index.nearestEach(List.of(random(r), query), radius, new BitSet())[1]).as("asked with another").isEqualTo(scan);
                if (fast != null) {
                    found++;
                }
            }
        }
        assertThat(found).as("most near queries are within reach").isGreaterThan(500);
    }

    @Test
    void tiesGoToTheFirstEntryAndAnEmptyIndexFindsNothing() {
        PdqHash h = random(new Random(1));
        PdqIndex index = new PdqIndex(List.of(random(new Random(2)), h, h));
        assertThat(index.nearest(h, 31)).isEqualTo(new PdqIndex.Match(1, 0));
        assertThat(new PdqIndex(List.of()).nearest(h, 31)).isNull();
        assertThatThrownBy(() -> index.nearest(h, 64)).isInstanceOf(IllegalArgumentException.class);
    }
}
