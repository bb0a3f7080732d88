package io.clipguard.tools.bench;

import io.clipguard.bank.Banks;
import io.clipguard.clip.NearestRows;
import io.clipguard.pdq.PdqHash;
import io.clipguard.pdq.PdqHasher;
import io.clipguard.pdq.PdqIndex;
import io.clipguard.tools.synth.RandomVectors;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;

/**
 * What banks cost per upload, on one thread: hashing an image with PDQ at common sizes, looking
 * its eight turns and flips up in a bank of a million hashes (against a full scan of the same
 * bank), and finding the nearest of a hundred thousand exemplar embeddings (a plain Java loop
 * against the matrix product the inference thread runs per batch, on one thread and on the
 * service's pool). Banks are random
 * hashes and unit vectors; half the queries are near copies of an entry (up to 31 bits moved),
 * half are not.
 */
public final class BankBenchmark {
    private final PrintWriter out;

    public BankBenchmark(PrintWriter out) {
        this.out = out;
    }

    public void run(int hashes, int exemplars, int dim, int queries) throws Exception {
        Random random = new Random(19);
        out.printf("PDQ hash per image (one thread):%n");
        for (int[] size : new int[][] {{256, 256}, {640, 480}, {1920, 1080}, {4032, 3024}}) {
            int[] rgb = photoLike(size[0], size[1], random);
            // Runs enough to compile the hasher at every size (a 256 px image hashes in about a millisecond).
            int runs = Math.max(20, 4_000_000 / (size[0] * size[1]) * 20);
            double s = Stopwatch.meanSeconds(runs, runs, () -> PdqHasher.hash(rgb, size[0], size[1]).hash());
            out.printf("  %4d x %-4d  %7.2f ms%n", size[0], size[1], s * 1e3);
        }

        List<PdqHash> bank = new ArrayList<>(hashes);
        for (int i = 0; i < hashes; i++) {
            bank.add(new PdqHash(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong()));
        }
        long t0 = System.nanoTime();
        PdqIndex index = new PdqIndex(bank);
        double buildMs = (System.nanoTime() - t0) / 1e6;
        List<List<PdqHash>> images = new ArrayList<>();
        for (int q = 0; q < queries; q++) {
            List<PdqHash> turns = new ArrayList<>();
            for (int v = 0; v < 8; v++) {
                turns.add(q % 2 == 0 && v == 0 ? flip(bank.get(random.nextInt(hashes)), random.nextInt(32), random)
                        : new PdqHash(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong()));
            }
            images.add(turns);
        }
        int[] found = new int[1];
        double indexed = Stopwatch.meanSeconds(Math.min(200, queries), queries, new Stopwatch.Action() {
            int next;

            @Override
            public void run() {
                for (PdqIndex.Match m : index.nearestEach(images.get(next++ % images.size()), 31, new BitSet())) {
                    if (m != null) {
                        found[0]++;
                    }
                }
            }
        });
        int scanned = Math.max(3, queries / 100);
        double scan = Stopwatch.meanSeconds(1, scanned, new Stopwatch.Action() {
            int next;

            @Override
            public void run() {
                for (PdqHash h : images.get(next++ % images.size())) {
                    index.nearestByScan(h, 31);
                }
            }
        });
        out.printf("PDQ bank of %,d hashes: index built in %.0f ms, %.0f MiB%n", hashes, buildMs, index.bytes() / 1048576.0);
        out.printf("  per image (8 turns, distance <= 31): multi-index %.3f ms, full scan %.1f ms (%.0fx)%n", indexed * 1e3, scan * 1e3,
                scan / indexed);
        // What a bank change costs an instance holding these hashes: the first build, then one change over it.
        Banks held = new Banks(hashes + 1);
        for (int i = 0; i < hashes; i++) {
            held.put(new Banks.Entry("bench", Integer.toString(i), bank.get(i), null, null, null));
        }
        Instant now = Instant.now();
        long p0 = System.nanoTime();
        held.publish(now);
        double firstMs = (System.nanoTime() - p0) / 1e6;
        double change = Stopwatch.meanSeconds(3, 20, () -> {
            held.put(new Banks.Entry("bench", "changed", new PdqHash(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong()),
                    null, null, null));
            held.publish(now);
        });
        out.printf("  held as a bank: first publish %.0f ms, then one change published in %.2f ms%n", firstMs, change * 1e3);

        List<float[]> rows = new ArrayList<>(exemplars);
        for (int i = 0; i < exemplars; i++) {
            rows.add(RandomVectors.unit(dim, random));
        }
        List<float[]> probes = new ArrayList<>();
        for (int q = 0; q < 64; q++) {
            probes.add(RandomVectors.unit(dim, random));
        }
        float[] flat = new float[exemplars * dim];
        for (int i = 0; i < exemplars; i++) {
            System.arraycopy(rows.get(i), 0, flat, i * dim, dim);
        }
        double loop = Stopwatch.meanSeconds(10, 50, new Stopwatch.Action() {
            int next;

            @Override
            public void run() {
                scan(flat, dim, probes.get(next++ % probes.size()));
            }
        });
        NearestRows matrix = NearestRows.of(rows, dim);
        out.printf("embedding bank of %,d exemplars x %d (%.0f MiB), nearest exemplar per image:%n", exemplars, dim, exemplars * dim * 4 / 1048576.0);
        out.printf("  Java scan, one query at a time       %7.2f ms%n", loop * 1e3);
        Banks exemplarBank = new Banks(exemplars + 1, 4L * (exemplars + 1) * dim);
        for (int i = 0; i < exemplars; i++) {
            exemplarBank.put(new Banks.Entry("bench", Integer.toString(i), null, rows.get(i), "bench-model", null));
        }
        long e0 = System.nanoTime();
        exemplarBank.publish(Instant.now());
        double firstExemplarsMs = (System.nanoTime() - e0) / 1e6;
        double exemplarChange = Stopwatch.meanSeconds(3, 20, () -> {
            exemplarBank.put(new Banks.Entry("bench", Integer.toString(random.nextInt(exemplars)), null, RandomVectors.unit(dim, random), "bench-model", null));
            exemplarBank.publish(Instant.now());
        });
        out.printf("  held as a bank: first publish %.0f ms, then one change published in %.2f ms%n", firstExemplarsMs, exemplarChange * 1e3);
        int cores = Runtime.getRuntime().availableProcessors();
        try (NearestRows.Product one = new NearestRows.Product(1)) {
            for (int batch : new int[] {1, 8, 32, 64}) {
                List<float[]> group = probes.subList(0, batch);
                double single = Stopwatch.meanSeconds(3, Math.max(5, 256 / batch), () -> matrix.nearest(group, one));
                double shared = Stopwatch.meanSeconds(3, Math.max(5, 256 / batch), () -> matrix.nearest(group));
                out.printf("  matrix product, batches of %-2d        %7.2f ms on one thread, %.2f ms on the service's %d%n", batch,
                        single * 1e3 / batch, shared * 1e3 / batch, Math.min(4, cores));
            }
        }
        out.flush();
    }

    /** Smooth gradients with sensor noise: the kind of pixels PDQ sees in photographs. */
    static int[] photoLike(int w, int h, Random random) {
        int[] rgb = new int[w * h];
        double fx = random.nextDouble() * 6;
        double fy = random.nextDouble() * 6;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double base = 128 + 90 * Math.sin(fx * x / w * Math.PI) * Math.cos(fy * y / h * Math.PI);
                int r = clamp(base + random.nextGaussian() * 6);
                int g = clamp(base * 0.8 + 20 + random.nextGaussian() * 6);
                int b = clamp(255 - base + random.nextGaussian() * 6);
                rgb[y * w + x] = (r << 16) | (g << 8) | b;
            }
        }
        return rgb;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, v));
    }

    /**
     * The nearest row by a Java loop, one query at a time, with eight partial sums per row so
     * the JIT keeps them in registers (the scan the service ran per upload before the product).
     */
    private static int scan(float[] rows, int dim, float[] q) {
        int best = -1;
        float bestDot = Float.NEGATIVE_INFINITY;
        for (int r = 0, o = 0; o < rows.length; r++, o += dim) {
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            float s4 = 0;
            float s5 = 0;
            float s6 = 0;
            float s7 = 0;
            int k = 0;
            for (; k + 8 <= dim; k += 8) {
                s0 += rows[o + k] * q[k];
                s1 += rows[o + k + 1] * q[k + 1];
                s2 += rows[o + k + 2] * q[k + 2];
                s3 += rows[o + k + 3] * q[k + 3];
                s4 += rows[o + k + 4] * q[k + 4];
                s5 += rows[o + k + 5] * q[k + 5];
                s6 += rows[o + k + 6] * q[k + 6];
                s7 += rows[o + k + 7] * q[k + 7];
            }
            for (; k < dim; k++) {
                s0 += rows[o + k] * q[k];
            }
            float dot = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
            if (dot > bestDot) {
                bestDot = dot;
                best = r;
            }
        }
        return best;
    }

    private static PdqHash flip(PdqHash h, int bits, Random random) {
        long[] w = {h.w0(), h.w1(), h.w2(), h.w3()};
        for (int k : random.ints(0, 256).distinct().limit(bits).toArray()) {
            w[k >> 6] ^= 1L << (k & 63);
        }
        return new PdqHash(w[0], w[1], w[2], w[3]);
    }
}
