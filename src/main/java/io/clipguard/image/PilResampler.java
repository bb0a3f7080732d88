package io.clipguard.image;

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

        // Horizontal pass into three 8-bit planes of inRows x cols.
        int[] r = new int[inRows * cols];
        int[] g = new int[inRows * cols];
        int[] b = new int[inRows * cols];
        Coefficients horizontal = outW == w ? null : coefficients(w, outW, colFrom, cols, filter);
        for (int y = 0; y < inRows; y++) {
            if ((y & 15) == 0) {
                budget.check();
            }
            int rowBase = (inRowFrom + y) * w;
            for (int x = 0; x < cols; x++) {
                int o = y * cols + x;
                if (horizontal == null) {
                    int p = rgb[rowBase + colFrom + x];
                    r[o] = (p >> 16) & 0xFF;
                    g[o] = (p >> 8) & 0xFF;
                    b[o] = p & 0xFF;
                    continue;
                }
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                int kBase = x * horizontal.stride();
                int xmin = horizontal.start()[x];
                for (int k = 0; k < horizontal.length()[x]; k++) {
                    int p = rgb[rowBase + xmin + k];
                    int wgt = horizontal.weights()[kBase + k];
                    s0 += ((p >> 16) & 0xFF) * wgt;
                    s1 += ((p >> 8) & 0xFF) * wgt;
                    s2 += (p & 0xFF) * wgt;
                }
                r[o] = clip8(s0);
                g[o] = clip8(s1);
                b[o] = clip8(s2);
            }
        }

        // Vertical pass into the window.
        int dx = colFrom - left;
        int dy = rowFrom - top;
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < cols; x++) {
                int o = (y + dy) * cropW + (x + dx);
                if (vertical == null) {
                    int i = y * cols + x;
                    out[o] = r[i];
                    out[plane + o] = g[i];
                    out[2 * plane + o] = b[i];
                    continue;
                }
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                int kBase = y * vertical.stride();
                int ymin = vertical.start()[y] - inRowFrom;
                for (int k = 0; k < vertical.length()[y]; k++) {
                    int i = (ymin + k) * cols + x;
                    int wgt = vertical.weights()[kBase + k];
                    s0 += r[i] * wgt;
                    s1 += g[i] * wgt;
                    s2 += b[i] * wgt;
                }
                out[o] = clip8(s0);
                out[plane + o] = clip8(s1);
                out[2 * plane + o] = clip8(s2);
            }
        }
        return out;
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
