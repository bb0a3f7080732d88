package io.clipguard.pdq;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * PDQ, Meta's perceptual hash (the hash of industry hash lists), written here from its published
 * description (ThreatExchange's {@code hashing/pdq}) because matching shared lists needs the same
 * bits their hashers produce, and no maintained Java library carries it: luma (0.299 R + 0.587 G
 * + 0.114 B) -> two passes of a box ("Jarosz tent") filter sized so that the image blurs down to
 * 64x64 -> 64x64 samples at the cell centres -> the 16x16 lowest non-constant coefficients of
 * the 2-D DCT -> one bit per coefficient, set when it is above their median.
 *
 * <p>The quality score (0-100) counts significant gradients of the 64x64 image: flat, featureless
 * images score low and their hashes match too much (the reference recommends ignoring hashes of
 * quality below 50). The eight dihedral variants (rotations and flips) come from sign changes and
 * a transpose of the same 16x16 coefficients, so a rotated or mirrored copy is matched without
 * hashing it eight times.
 *
 * <p>Memory is bounded: an image larger than {@value #MAX_EDGE} pixels on a side is first
 * averaged down by an integer factor (a box average, which the tent filter then blurs further;
 * the hash moves by a few bits at most), so the working buffers are at most
 * 2 x 4 x {@value #MAX_EDGE}^2 bytes whatever the upload.
 */
public final class PdqHasher {
    /** Longest side hashed at full resolution. */
    public static final int MAX_EDGE = 1024;
    private static final int MIN_EDGE = 5;
    private static final float[] DCT = dctMatrix();

    private PdqHasher() {
    }

    /** A hash with its quality, and the coefficients its dihedral variants are read from. */
    public static final class Result {
        private final float[] coefficients;
        private final int quality;
        private PdqHash hash;
        private Map<Dihedral, PdqHash> dihedral;

        private Result(float[] coefficients, int quality) {
            this.coefficients = coefficients;
            this.quality = quality;
        }

        /** Computed once: the audit record, the embedding record and every policy's match read it. */
        public synchronized PdqHash hash() {
            if (hash == null) {
                hash = bits(coefficients);
            }
            return hash;
        }

        public int quality() {
            return quality;
        }

        /** The hash of the image turned or mirrored each of the eight ways (the original included). */
        public synchronized Map<Dihedral, PdqHash> dihedral() {
            if (dihedral == null) {
                Map<Dihedral, PdqHash> out = new EnumMap<>(Dihedral.class);
                for (Dihedral d : Dihedral.values()) {
                    out.put(d, bits(d.apply(coefficients)));
                }
                dihedral = Collections.unmodifiableMap(out);
            }
            return dihedral;
        }
    }

    /** How an image was turned: the eight symmetries of a square. */
    public enum Dihedral {
        ORIGINAL, ROTATE_90, ROTATE_180, ROTATE_270, FLIP_X, FLIP_Y, FLIP_PLUS_1, FLIP_MINUS_1;

        /**
         * The coefficients of the transformed image. Turning an image permutes and negates DCT
         * coefficients: a flip negates the odd frequencies of its axis, a transpose swaps rows and
         * columns, a rotation is a transpose and a flip.
         */
        float[] apply(float[] a) {
            float[] b = new float[256];
            for (int i = 0; i < 16; i++) {
                for (int j = 0; j < 16; j++) {
                    float v = a[i * 16 + j];
                    boolean rowOdd = (i & 1) == 1;
                    boolean colOdd = (j & 1) == 1;
                    switch (this) {
                        case ORIGINAL -> b[i * 16 + j] = v;
                        case ROTATE_90 -> b[j * 16 + i] = colOdd ? v : -v;
                        case ROTATE_180 -> b[i * 16 + j] = rowOdd != colOdd ? -v : v;
                        case ROTATE_270 -> b[j * 16 + i] = rowOdd ? v : -v;
                        case FLIP_X -> b[i * 16 + j] = rowOdd ? v : -v;
                        case FLIP_Y -> b[i * 16 + j] = colOdd ? v : -v;
                        case FLIP_PLUS_1 -> b[j * 16 + i] = v;
                        case FLIP_MINUS_1 -> b[j * 16 + i] = rowOdd != colOdd ? -v : v;
                        default -> throw new IllegalStateException();
                    }
                }
            }
            return b;
        }
    }

    /** The hash of packed {@code 0xRRGGBB} pixels, row-major; an image under 5 pixels on a side hashes to zero with quality 0. */
    public static Result hash(int[] rgb, int width, int height) {
        if (width < MIN_EDGE || height < MIN_EDGE) {
            return new Result(new float[256], 0);
        }
        int factor = Math.max(1, (Math.max(width, height) + MAX_EDGE - 1) / MAX_EDGE);
        int cols = width / factor;
        int rows = height / factor;
        // Luma in integer thousandths (exact, and about twice as fast as float per pixel).
        float[] luma = new float[rows * cols];
        long[] sums = new long[cols];
        float scale = 1f / (1000f * factor * factor);
        for (int y = 0; y < rows; y++) {
            Arrays.fill(sums, 0);
            for (int dy = 0; dy < factor; dy++) {
                int base = (y * factor + dy) * width;
                for (int x = 0; x < cols; x++) {
                    int cell = 0;
                    for (int dx = 0, at = base + x * factor; dx < factor; dx++, at++) {
                        int p = rgb[at];
                        cell += 299 * ((p >> 16) & 0xff) + 587 * ((p >> 8) & 0xff) + 114 * (p & 0xff);
                    }
                    sums[x] += cell;
                }
            }
            for (int x = 0; x < cols; x++) {
                luma[y * cols + x] = sums[x] * scale;
            }
        }
        return hashLuma(luma, rows, cols);
    }

    /** The hash of a luma plane (values 0-255), row-major; {@code luma} is overwritten. */
    static Result hashLuma(float[] luma, int rows, int cols) {
        if (rows < MIN_EDGE || cols < MIN_EDGE) {
            return new Result(new float[256], 0);
        }
        float[] scratch = new float[luma.length];
        int alongRows = (cols + 127) / 128;
        int alongCols = (rows + 127) / 128;
        float[] sums = new float[cols];
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < rows; i++) {
                box(luma, scratch, i * cols, 1, cols, alongRows);
            }
            boxColumns(scratch, luma, rows, cols, alongCols, sums);
        }
        float[] small = new float[64 * 64];
        for (int i = 0; i < 64; i++) {
            int si = (int) (((i + 0.5) * rows) / 64);
            for (int j = 0; j < 64; j++) {
                int sj = (int) (((j + 0.5) * cols) / 64);
                small[i * 64 + j] = luma[si * cols + sj];
            }
        }
        return new Result(dct16(small), quality(small));
    }

    /**
     * A running mean over a window of {@code window} samples centred on each output (shrinking
     * at the ends), along a vector of {@code length} samples {@code stride} apart.
     */
    private static void box(float[] in, float[] out, int start, int stride, int length, int window) {
        int half = (window + 2) / 2;
        float sum = 0;
        int count = 0;
        int read = start;
        int drop = start;
        int write = start;
        for (int i = 0; i < half - 1; i++, read += stride) {
            sum += in[read];
            count++;
        }
        for (int i = 0; i < window - half + 1; i++, read += stride, write += stride) {
            sum += in[read];
            count++;
            out[write] = sum / count;
        }
        for (int i = 0; i < length - window; i++, read += stride, drop += stride, write += stride) {
            sum += in[read];
            sum -= in[drop];
            out[write] = sum / count;
        }
        for (int i = 0; i < half - 1; i++, drop += stride, write += stride) {
            sum -= in[drop];
            count--;
            out[write] = sum / count;
        }
    }

    /**
     * {@link #box} down every column at once, row by row: the same sums in the same order, read
     * along rows (a column at a time strides through memory, which costs more than the sums).
     */
    private static void boxColumns(float[] in, float[] out, int rows, int cols, int window, float[] sum) {
        int half = (window + 2) / 2;
        Arrays.fill(sum, 0);
        int count = 0;
        int read = 0;
        int drop = 0;
        int write = 0;
        for (int i = 0; i < half - 1; i++, read++) {
            add(sum, in, read * cols, cols, 1);
            count++;
        }
        for (int i = 0; i < window - half + 1; i++, read++, write++) {
            add(sum, in, read * cols, cols, 1);
            count++;
            divide(sum, out, write * cols, cols, count);
        }
        for (int i = 0; i < rows - window; i++, read++, drop++, write++) {
            add(sum, in, read * cols, cols, 1);
            add(sum, in, drop * cols, cols, -1);
            divide(sum, out, write * cols, cols, count);
        }
        for (int i = 0; i < half - 1; i++, drop++, write++) {
            add(sum, in, drop * cols, cols, -1);
            count--;
            divide(sum, out, write * cols, cols, count);
        }
    }

    private static void add(float[] sum, float[] in, int from, int cols, int sign) {
        if (sign > 0) {
            for (int j = 0; j < cols; j++) {
                sum[j] += in[from + j];
            }
        } else {
            for (int j = 0; j < cols; j++) {
                sum[j] -= in[from + j];
            }
        }
    }

    private static void divide(float[] sum, float[] out, int to, int cols, int count) {
        for (int j = 0; j < cols; j++) {
            out[to + j] = sum[j] / count;
        }
    }

    /** Significant gradients of the 64x64 image, scaled to 0-100. */
    private static int quality(float[] a) {
        int sum = 0;
        for (int i = 0; i < 63; i++) {
            for (int j = 0; j < 64; j++) {
                sum += Math.abs((int) (((a[i * 64 + j] - a[(i + 1) * 64 + j]) * 100) / 255));
            }
        }
        for (int i = 0; i < 64; i++) {
            for (int j = 0; j < 63; j++) {
                sum += Math.abs((int) (((a[i * 64 + j] - a[i * 64 + j + 1]) * 100) / 255));
            }
        }
        return Math.min(100, sum / 90);
    }

    /** Coefficients 1-16 x 1-16 of the 64x64 DCT-II: D A D^T with D the 16 rows after the constant one. */
    private static float[] dct16(float[] a) {
        float[] t = new float[16 * 64];
        for (int i = 0; i < 16; i++) {
            for (int j = 0; j < 64; j++) {
                float s = 0;
                for (int k = 0; k < 64; k++) {
                    s += DCT[i * 64 + k] * a[k * 64 + j];
                }
                t[i * 64 + j] = s;
            }
        }
        float[] b = new float[256];
        for (int i = 0; i < 16; i++) {
            for (int j = 0; j < 16; j++) {
                float s = 0;
                for (int k = 0; k < 64; k++) {
                    s += t[i * 64 + k] * DCT[j * 64 + k];
                }
                b[i * 16 + j] = s;
            }
        }
        return b;
    }

    private static float[] dctMatrix() {
        float[] d = new float[16 * 64];
        float scale = (float) Math.sqrt(2.0 / 64);
        for (int i = 0; i < 16; i++) {
            for (int j = 0; j < 64; j++) {
                d[i * 64 + j] = (float) (scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1)));
            }
        }
        return d;
    }

    /** One bit per coefficient: above the median (the 128th smallest of the 256). */
    private static PdqHash bits(float[] coefficients) {
        float[] sorted = coefficients.clone();
        Arrays.sort(sorted);
        float median = sorted[127];
        boolean[] set = new boolean[256];
        for (int k = 0; k < 256; k++) {
            set[k] = coefficients[k] > median;
        }
        return PdqHash.ofBits(set);
    }
}
