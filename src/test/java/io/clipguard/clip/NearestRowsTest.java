package io.clipguard.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.clipguard.tools.synth.RandomVectors;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The nearest row, by the matrix product and by the Java scan, is the one a plain loop finds,
 * with rows left out and without, alone and in batches.
 */
class NearestRowsTest {
    static List<float[]> units(int n, int dim, Random random) {
        List<float[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(RandomVectors.unit(dim, random));
        }
        return out;
    }

    /** The best kept row by a plain loop in doubles, or -1. */
    static int truth(List<float[]> rows, BitSet leftOut, float[] q) {
        int best = -1;
        double bestDot = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < rows.size(); r++) {
            if (leftOut.get(r)) {
                continue;
            }
            double dot = 0;
            for (int k = 0; k < q.length; k++) {
                dot += (double) rows.get(r)[k] * q[k];
            }
            if (dot > bestDot) {
                bestDot = dot;
                best = r;
            }
        }
        return best;
    }

    @Test
    void theProductAndTheScanFindWhatAPlainLoopFinds() {
        Random random = new Random(3);
        for (int count : new int[] {NearestRows.PRODUCT_FROM - 1, 5_000}) {
            List<float[]> rows = units(count, 48, random);
            List<float[]> queries = new ArrayList<>(units(30, 48, random));
            // Queries next to a row as well: a bank's match is a near copy.
            for (int i = 0; i < 10; i++) {
                float[] q = rows.get(random.nextInt(count)).clone();
                q[random.nextInt(48)] += 0.05f;
                queries.add(q);
            }
            NearestRows matrix = NearestRows.of(rows, 48);
            BitSet leftOut = new BitSet();
            for (int i = 0; i < count / 10; i++) {
                leftOut.set(random.nextInt(count));
            }
            // Leave out the best row of some queries, so the answer must be the next kept one.
            for (int q = 0; q < queries.size(); q += 3) {
                leftOut.set(truth(rows, new BitSet(), queries.get(q)));
            }
            NearestRows without = matrix.without(leftOut);
            // The product itself where it runs (nearest() would fall back to the scan should it fail), the scan below it.
            boolean product = count >= NearestRows.PRODUCT_FROM;
            NearestRows.Nearest batch = product ? NearestRows.Product.shared().run(matrix, queries) : matrix.nearest(queries);
            NearestRows.Nearest batchWithout = product ? NearestRows.Product.shared().run(without, queries) : without.nearest(queries);
            for (int q = 0; q < queries.size(); q++) {
                float[] query = queries.get(q);
                int all = truth(rows, new BitSet(), query);
                int kept = truth(rows, leftOut, query);
                assertThat(batch.rows()[q]).as("%d rows, query %d", count, q).isEqualTo(all);
                assertThat(batchWithout.rows()[q]).as("%d rows, query %d, rows left out", count, q).isEqualTo(kept);
                assertThat(without.nearest(List.of(query)).rows()[0]).as("alone as in a batch").isEqualTo(kept);
                double dot = 0;
                for (int k = 0; k < 48; k++) {
                    dot += (double) rows.get(kept)[k] * query[k];
                }
                assertThat((double) batchWithout.dots()[q]).isCloseTo(dot, org.assertj.core.data.Offset.offset(1e-4));
            }
            assertThat(matrix.nearest(queries).rows()).as("the original matrix keeps every row").isEqualTo(batch.rows());
        }
    }

    @Test
    void everyRowLeftOutOrNoneHeldMeansNoNearest() {
        Random random = new Random(5);
        for (int count : new int[] {10, NearestRows.PRODUCT_FROM + 10}) {
            BitSet all = new BitSet();
            all.set(0, count);
            NearestRows none = NearestRows.of(units(count, 16, random), 16).without(all);
            assertThat(none.nearest(units(4, 16, random)).rows()).containsOnly(-1);
        }
        assertThat(NearestRows.of(List.of(), 16).nearest(units(2, 16, random)).rows()).containsOnly(-1);
    }

    @Test
    void aQueryOrRowOfAnotherLengthIsRefused() {
        Random random = new Random(7);
        NearestRows matrix = NearestRows.of(units(5, 16, random), 16);
        assertThatThrownBy(() -> matrix.nearest(List.of(new float[15]))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NearestRows.of(List.of(new float[16], new float[8]), 16)).isInstanceOf(IllegalArgumentException.class);
    }
}
