package io.clipguard.image;

import java.util.Arrays;

/**
 * Separable resampling with the arithmetic of Pillow's {@code Image.resize}: the filter is
 * widened by the downscale factor (antialiasing), weights are normalised then rounded to
 * 22-bit fixed point, the horizontal pass runs first and is rounded to 8 bits, then the
 * vertical pass. Matching those steps makes the output agree with Pillow to the unit.
 *
 * <p>Only the output window that a centre crop keeps is computed.
 */
final class PilResampler {
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResampler() {
    }

    /** Fixed-point weights for output positions {@code [from, from + count)} of an {@code in -> out} resize. */
    record Coefficients(int[] start, int[] length, int[] weights, int stride) {
    }

    static Coefficients coefficients(int inSize, int outSize, int from, int count, int filter) {
        double support0 = filterSupport(filter);
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = support0 * filterScale;
        int stride = (int) Math.ceil(support) * 2 + 1;
        int[] start = new int[count];
        int[] length = new int[count];
        int[] weights = new int[count * stride];
        double[] k = new double[stride];
        for (int i = 0; i < count; i++) {
            int xx = from + i;
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double sum = 0;
            for (int x = 0; x < xmax; x++) {
                k[x] = filter(filter, (x + xmin - center + 0.5) * ss);
                sum += k[x];
            }
            for (int x = 0; x < xmax; x++) {
                double w = sum != 0 ? k[x] / sum : k[x];
                weights[i * stride + x] = (int) (w < 0 ? w * (1 << PRECISION_BITS) - 0.5 : w * (1 << PRECISION_BITS) + 0.5);
            }
            start[i] = xmin;
            length[i] = xmax;
        }
        return new Coefficients(start, length, weights, stride);
    }

    /**
     * Resizes packed RGB {@code w x h} to a virtual {@code outW x outH} and returns the window
     * {@code [left, left+cropW) x [top, top+cropH)} as three 8-bit planes (R, G, B) in one
     * array of {@code 3 * cropW * cropH}. Positions outside the resized image are 0.
     */
    static int[] resizeWindow(int[] rgb, int w, int h, int outW, int outH, int left, int top,
                              int cropW, int cropH, int filter, CpuBudget budget) {
        int colFrom = Math.max(left, 0);
        int colTo = Math.min(left + cropW, outW);
        int rowFrom = Math.max(top, 0);
        int rowTo = Math.min(top + cropH, outH);
        int cols = colTo - colFrom;
        int rows = rowTo - rowFrom;
        int plane = cropW * cropH;
        int[] out = new int[3 * plane];
        if (cols <= 0 || rows <= 0) {
            return out;
        }
        Coefficients vertical = outH == h ? null : coefficients(h, outH, rowFrom, rows, filter);
        int inRowFrom = vertical == null ? rowFrom : vertical.start()[0];
        int inRowTo = vertical == null ? rowTo : vertical.start()[rows - 1] + vertical.length()[rows - 1];
        int inRows = inRowTo - inRowFrom;
        Coefficients horizontal = outW == w ? null : coefficients(w, outW, colFrom, cols, filter);
        int[][] mid = horizontalPass(rgb, w, inRowFrom, inRows, colFrom, cols, horizontal, budget);
        verticalPass(mid, cols, rows, inRowFrom, vertical, out, cropW, plane, colFrom - left, rowFrom - top, budget);
        return out;
    }

    /**
     * Rows {@code [inRowFrom, inRowFrom + inRows)} resized horizontally to output columns
     * {@code [colFrom, colFrom + cols)}, rounded to 8 bits as Pillow does between the passes:
     * three planes (R, G, B) of {@code inRows x cols}. Each input pixel is unpacked once per row
     * into planar scratch rows, so the tap loops read contiguous ints.
     */
    private static int[][] horizontalPass(int[] rgb, int w, int inRowFrom, int inRows, int colFrom, int cols, Coefficients horizontal,
                                          CpuBudget budget) {
        int[] r = new int[inRows * cols];
        int[] g = new int[inRows * cols];
        int[] b = new int[inRows * cols];
        int inColFrom = horizontal == null ? colFrom : horizontal.start()[0];
        int inColTo = horizontal == null ? colFrom + cols : horizontal.start()[cols - 1] + horizontal.length()[cols - 1];
        int span = inColTo - inColFrom;
        int[] rowR = new int[span];
        int[] rowG = new int[span];
        int[] rowB = new int[span];
        for (int y = 0; y < inRows; y++) {
            if ((y & 15) == 0) {
                budget.check();
            }
            int rowBase = (inRowFrom + y) * w + inColFrom;
            for (int x = 0; x < span; x++) {
                int p = rgb[rowBase + x];
                rowR[x] = (p >> 16) & 0xFF;
                rowG[x] = (p >> 8) & 0xFF;
                rowB[x] = p & 0xFF;
            }
            int o = y * cols;
            if (horizontal == null) {
                System.arraycopy(rowR, 0, r, o, cols);
                System.arraycopy(rowG, 0, g, o, cols);
                System.arraycopy(rowB, 0, b, o, cols);
                continue;
            }
            int[] start = horizontal.start();
            int[] length = horizontal.length();
            int[] weights = horizontal.weights();
            int stride = horizontal.stride();
            for (int x = 0; x < cols; x++) {
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                int kBase = x * stride;
                int from = start[x] - inColFrom;
                int n = length[x];
                for (int k = 0; k < n; k++) {
                    int wgt = weights[kBase + k];
                    s0 += rowR[from + k] * wgt;
                    s1 += rowG[from + k] * wgt;
                    s2 += rowB[from + k] * wgt;
                }
                r[o + x] = clip8(s0);
                g[o + x] = clip8(s1);
                b[o + x] = clip8(s2);
            }
        }
        return new int[][] {r, g, b};
    }

    /**
     * The vertical pass into the window, a whole output row at a time: for each tap, one
     * contiguous multiply-add over the row's columns (a loop the JIT vectorises), then the
     * rounding to 8 bits.
     */
    private static void verticalPass(int[][] mid, int cols, int rows, int inRowFrom, Coefficients vertical, int[] out, int cropW,
                                     int plane, int dx, int dy, CpuBudget budget) {
        int[] r = mid[0];
        int[] g = mid[1];
        int[] b = mid[2];
        int[] s0 = new int[cols];
        int[] s1 = new int[cols];
        int[] s2 = new int[cols];
        for (int y = 0; y < rows; y++) {
            if ((y & 15) == 0) {
                budget.check();
            }
            int o = (y + dy) * cropW + dx;
            if (vertical == null) {
                System.arraycopy(r, y * cols, out, o, cols);
                System.arraycopy(g, y * cols, out, plane + o, cols);
                System.arraycopy(b, y * cols, out, 2 * plane + o, cols);
                continue;
            }
            Arrays.fill(s0, 1 << (PRECISION_BITS - 1));
            Arrays.fill(s1, 1 << (PRECISION_BITS - 1));
            Arrays.fill(s2, 1 << (PRECISION_BITS - 1));
            int kBase = y * vertical.stride();
            int ymin = vertical.start()[y] - inRowFrom;
            int n = vertical.length()[y];
            for (int k = 0; k < n; k++) {
                int wgt = vertical.weights()[kBase + k];
                int base = (ymin + k) * cols;
                for (int x = 0; x < cols; x++) {
                    s0[x] += r[base + x] * wgt;
                    s1[x] += g[base + x] * wgt;
                    s2[x] += b[base + x] * wgt;
                }
            }
            for (int x = 0; x < cols; x++) {
                out[o + x] = clip8(s0[x]);
                out[plane + o + x] = clip8(s1[x]);
                out[2 * plane + o + x] = clip8(s2[x]);
            }
        }
    }

    private static int clip8(int fixed) {
        int v = fixed >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static double filterSupport(int filter) {
        return switch (filter) {
            case 1 -> 3.0;
            case 2 -> 1.0;
            default -> 2.0;
        };
    }

    private static double filter(int filter, double x) {
        return switch (filter) {
            case 1 -> lanczos(x);
            case 2 -> Math.max(0, 1 - Math.abs(x));
            default -> bicubic(x);
        };
    }

    /** Keys' cubic with a = -0.5, as Pillow uses. */
    private static double bicubic(double x) {
        double a = -0.5;
        x = Math.abs(x);
        if (x < 1) {
            return ((a + 2) * x - (a + 3)) * x * x + 1;
        }
        if (x < 2) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0;
    }

    private static double lanczos(double x) {
        if (x > -3 && x < 3) {
            return sinc(x) * sinc(x / 3);
        }
        return 0;
    }

    private static double sinc(double x) {
        if (x == 0) {
            return 1;
        }
        x *= Math.PI;
        return Math.sin(x) / x;
    }
}
