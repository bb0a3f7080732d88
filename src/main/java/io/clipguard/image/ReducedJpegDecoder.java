package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;

/**
 * Decodes a JPEG straight to 1/2, 1/4 or 1/8 of its size in the DCT domain: each output pixel
 * is the mean of the 2x2, 4x4 or 8x8 source pixels it covers, computed from the block's
 * coefficients without an inverse DCT, which skips most of a full decode's work.
 *
 * <p>The mean of a block is what a viewer sees of it only while no sample is clamped, so the
 * decoder proves that as it goes: each block's coefficients bound how far its samples stray
 * from its mean; a block that may leave 0..255 gets a full inverse DCT with libjpeg's
 * clamping; and a pixel whose luma and chroma ranges may convert outside the RGB cube (where
 * a viewer clamps per pixel, and the converted mean would differ) sends the file to the full
 * decoder. Crafted coefficients therefore cannot show the reduced path one picture and a
 * viewer another.
 *
 * <p>Supports 8-bit Huffman sequential files (baseline and extended) in grey, YCbCr or RGB,
 * as {@link JpegColour} decides from the markers, and follows libjpeg-turbo where it has a
 * rule: each component's quantisation table is latched at the first scan that carries it,
 * and stray bytes before a restart marker are skipped. Anything else returns {@code null} and
 * the caller takes the full decoder, so this class never has to be complete to be correct.
 */
final class ReducedJpegDecoder {
    private static final int[] ZIGZAG = {
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
        28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54,
        47, 55, 62, 63};

    /**
     * The decoded image, packed 0xRRGGBB at the reduced size, or {@code rgb} null when it cannot
     * be shown exactly at that size; and the range every sample of the file falls in before
     * clamping (what decides whether any decoder clamps or wraps it).
     */
    record Result(int width, int height, int[] rgb, float lowest, float highest) {
        /** Whether every sample lies where libjpeg's range table clamps rather than wraps (-384..639), as viewers' decoders do. */
        boolean clampsLikeViewers() {
            return lowest >= -384 && highest <= 639;
        }
    }

    private static final class Component {
        int id;
        int h;
        int v;
        int quant;
        int blocksWide;
        int blocksHigh;
        int dcTable;
        int acTable;
        int prediction;
        /** Sub-block means computed per block, across and down (so each lands on one output pixel). */
        int nh;
        int nv;
        float[][] weightsH;
        float[][] weightsV;
        /** Samples at nh x nv per block, blocksWide*nh wide. */
        float[] plane;
        /** The quantisation table as it was at the first scan that carried this component (libjpeg latches it there). */
        int[] latched;
        /** Per block, the least and greatest sample value it can hold (exact where it clamps, else its mean -/+ a bound). */
        float[] low;
        float[] high;
    }

    /** The file needs libjpeg's full behaviour (a resynchronisation after a damaged restart). */
    private static final class NotExact extends RuntimeException {
        NotExact() {
            super(null, null, false, false);
        }
    }

    private final byte[] data;
    private final int n;
    private final int[][] quant = new int[4][];
    private final Huffman[] dcTables = new Huffman[4];
    private final Huffman[] acTables = new Huffman[4];
    private Component[] components;
    private int width;
    private int height;
    private int hMax;
    private int vMax;
    private int mcusWide;
    private int mcusHigh;
    private int restartInterval;
    private final JpegColour colour;
    private final CpuBudget budget;
    /** The least and greatest sample of any block before clamping (exact where a block may leave 0..255). */
    private float lowest = 0;
    private float highest = 255;
    /** Levels by which a pixel's converted colour may leave the RGB cube before the file needs the full decoder. */
    static final float CLAMP_TOLERANCE = 4f;

    private ReducedJpegDecoder(byte[] data, int scale, JpegColour colour, CpuBudget budget) {
        this.data = data;
        this.n = 8 / scale;
        this.colour = colour;
        this.budget = budget;
    }

    /**
     * Decodes at {@code 1/scale} (scale 2, 4 or 8). {@code null} when this path does not read
     * the file (progressive or other coding, CMYK, a damaged restart); a result without pixels
     * when it read every block but cannot show the picture exactly at that size (colours outside
     * the RGB cube), whose sample range still tells the caller how decoders will treat it.
     */
    static Result decode(byte[] jpeg, int scale, JpegColour colour, CpuBudget budget) {
        if (colour != JpegColour.GREY && colour != JpegColour.YCBCR && colour != JpegColour.RGB) {
            return null;
        }
        try {
            return new ReducedJpegDecoder(jpeg, scale, colour, budget).run();
        } catch (NotExact e) {
            return null;
        } catch (ArrayIndexOutOfBoundsException | IllegalStateException | ArithmeticException e) {
            throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "jpeg data is truncated or malformed: " + e.getMessage(), e);
        }
    }

    private Result run() {
        int pos = 2;
        while (pos < data.length) {
            if ((data[pos] & 0xFF) != 0xFF) {
                pos++;
                continue;
            }
            int marker = data[pos + 1] & 0xFF;
            if (marker == 0xFF) {
                pos++;
                continue;
            }
            if (marker == 0xD9) {
                break;
            }
            int length = u16(pos + 2);
            int body = pos + 4;
            switch (marker) {
                case 0xC0, 0xC1 -> {
                    if (!frame(body)) {
                        return null;
                    }
                }
                case 0xC2 -> {
                    // A progressive file's block means depend on AC scans too once samples clamp:
                    // without reading every scan they cannot be known exactly, so the full decoder reads it.
                    return null;
                }
                case 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF -> {
                    return null;
                }
                case 0xC4 -> huffmanTables(body, pos + 2 + length);
                case 0xDB -> quantTables(body, pos + 2 + length);
                case 0xDD -> restartInterval = u16(body);
                case 0xDA -> {
                    pos = scan(body, pos + 2 + length);
                    continue;
                }
                default -> {
                }
            }
            pos += 2 + length;
        }
        if (components == null) {
            throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "jpeg has no frame header");
        }
        try {
            return toRgb();
        } catch (NotExact e) {
            return new Result(0, 0, null, lowest, highest);
        }
    }

    private boolean frame(int at) {
        if ((data[at] & 0xFF) != 8) {
            return false;
        }
        height = u16(at + 1);
        width = u16(at + 3);
        int count = data[at + 5] & 0xFF;
        if (height == 0 || (count != 1 && count != 3)) {
            return false;
        }
        components = new Component[count];
        for (int i = 0; i < count; i++) {
            Component c = new Component();
            c.id = data[at + 6 + 3 * i] & 0xFF;
            c.h = (data[at + 7 + 3 * i] & 0xFF) >> 4;
            c.v = data[at + 7 + 3 * i] & 0x0F;
            c.quant = data[at + 8 + 3 * i] & 0x03;
            components[i] = c;
            hMax = Math.max(hMax, c.h);
            vMax = Math.max(vMax, c.v);
        }
        for (Component c : components) {
            // Block means land on the output grid only when chroma is upsampled by 1, 2 or 4.
            int rh = hMax / c.h;
            int rv = vMax / c.v;
            if (hMax % c.h != 0 || vMax % c.v != 0 || (rh != 1 && rh != 2 && rh != 4) || (rv != 1 && rv != 2 && rv != 4)) {
                return false;
            }
        }
        mcusWide = ceilDiv(width, 8 * hMax);
        mcusHigh = ceilDiv(height, 8 * vMax);
        for (Component c : components) {
            c.blocksWide = mcusWide * c.h;
            c.blocksHigh = mcusHigh * c.v;
            // Subsampled components need finer sub-blocks to land on the output grid.
            c.nh = Math.min(8, n * hMax / c.h);
            c.nv = Math.min(8, n * vMax / c.v);
            c.weightsH = subBlockWeights(c.nh);
            c.weightsV = subBlockWeights(c.nv);
            c.plane = new float[c.blocksWide * c.nh * c.blocksHigh * c.nv];
            c.low = new float[c.blocksWide * c.blocksHigh];
            c.high = new float[c.blocksWide * c.blocksHigh];
        }
        return true;
    }

    private void quantTables(int at, int end) {
        while (at < end) {
            int precision = (data[at] & 0xFF) >> 4;
            int id = data[at] & 0x03;
            int[] table = new int[64];
            at++;
            for (int k = 0; k < 64; k++) {
                table[ZIGZAG[k]] = precision == 0 ? data[at + k] & 0xFF : u16(at + 2 * k);
            }
            quant[id] = table;
            at += precision == 0 ? 64 : 128;
        }
    }

    private void huffmanTables(int at, int end) {
        while (at < end) {
            int kind = (data[at] & 0xFF) >> 4;
            int id = data[at] & 0x03;
            int[] counts = new int[16];
            int total = 0;
            for (int i = 0; i < 16; i++) {
                counts[i] = data[at + 1 + i] & 0xFF;
                total += counts[i];
            }
            int[] symbols = new int[total];
            for (int i = 0; i < total; i++) {
                symbols[i] = data[at + 17 + i] & 0xFF;
            }
            (kind == 0 ? dcTables : acTables)[id] = new Huffman(counts, symbols);
            at += 17 + total;
        }
    }

    /** Decodes one scan and returns the position of the marker that ends it. */
    private int scan(int at, int entropyStart) {
        if (components == null) {
            throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "jpeg scan before frame header");
        }
        int count = data[at] & 0xFF;
        Component[] inScan = new Component[count];
        for (int i = 0; i < count; i++) {
            int id = data[at + 1 + 2 * i] & 0xFF;
            int tables = data[at + 2 + 2 * i] & 0xFF;
            for (Component c : components) {
                if (c.id == id) {
                    inScan[i] = c;
                }
            }
            if (inScan[i] == null) {
                throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "jpeg scan names unknown component " + id);
            }
            inScan[i].dcTable = tables >> 4;
            inScan[i].acTable = tables & 0x0F;
            inScan[i].prediction = 0;
            if (inScan[i].latched == null) {
                inScan[i].latched = table(inScan[i]).clone();
            }
        }
        BitReader bits = new BitReader(data, entropyStart);
        boolean single = count == 1;
        Component first = inScan[0];
        int unitsWide = single ? ceilDiv(ceilDiv(width * first.h, hMax), 8) : mcusWide;
        int unitsHigh = single ? ceilDiv(ceilDiv(height * first.v, vMax), 8) : mcusHigh;
        int unit = 0;
        int nextRestart = 0;
        for (int my = 0; my < unitsHigh; my++) {
            budget.check();
            for (int mx = 0; mx < unitsWide; mx++) {
                if (restartInterval > 0 && unit > 0 && unit % restartInterval == 0) {
                    if (!bits.restart(nextRestart)) {
                        throw new NotExact();
                    }
                    nextRestart = (nextRestart + 1) & 7;
                    for (Component c : inScan) {
                        c.prediction = 0;
                    }
                }
                unit++;
                if (single) {
                    block(bits, first, my, mx);
                    continue;
                }
                for (Component c : inScan) {
                    for (int v = 0; v < c.v; v++) {
                        for (int h = 0; h < c.h; h++) {
                            block(bits, c, my * c.v + v, mx * c.h + h);
                        }
                    }
                }
            }
        }
        return bits.skipToMarker();
    }

    private final float[] coefficients = new float[64];
    private final int[] nonZero = new int[64];

    private void block(BitReader bits, Component c, int row, int col) {
        int[] q = c.latched;
        c.prediction += dcDifference(bits, c);
        Huffman ac = acTables[c.acTable];
        if (ac == null) {
            throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "jpeg uses an undefined AC table");
        }
        int nz = 0;
        float spread = 0;
        for (int k = 1; k < 64; ) {
            int fast = ac.fastAc(bits);
            int value;
            if (fast != 0) {
                bits.skip(fast & 0xFF);
                k += (fast >> 8) & 0x0F;
                value = fast >> 16;
            } else {
                int rs = ac.decode(bits);
                int run = rs >> 4;
                int size = rs & 0x0F;
                if (size == 0) {
                    if (run != 15) {
                        break;
                    }
                    k += 16;
                    continue;
                }
                k += run;
                value = extend(bits.bits(size), size);
            }
            if (k < 64) {
                int natural = ZIGZAG[k];
                coefficients[natural] = value * q[natural];
                nonZero[nz++] = natural;
                spread += Math.abs(coefficients[natural]);
            }
            k++;
        }
        float dc = c.prediction * q[0];
        int index = row * c.blocksWide + col;
        float mean = dc / 8f + 128f;
        // No sample of the block is further than this from its mean (each basis function is at most 1/4 in size).
        float bound = spread / 4f;
        if (mean - bound < -0.5f || mean + bound > 255.5f) {
            exactBlock(c, row, col, dc, nz);
        } else {
            writeBlock(c, row, col, dc, nz);
            c.low[index] = mean - bound;
            c.high[index] = mean + bound;
        }
    }

    /**
     * A block whose samples may leave 0..255: its inverse DCT in full, each sample clamped as
     * libjpeg clamps it, so that the means are those of what a viewer sees.
     */
    private void exactBlock(Component c, int row, int col, float dc, int nz) {
        float[] samples = new float[64];
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                float v = dc * IDCT[y][0] * IDCT[x][0];
                for (int z = 0; z < nz; z++) {
                    int natural = nonZero[z];
                    v += coefficients[natural] * IDCT[y][natural >> 3] * IDCT[x][natural & 7];
                }
                float raw = v + 128f;
                lowest = Math.min(lowest, raw);
                highest = Math.max(highest, raw);
                samples[y * 8 + x] = Math.max(0, Math.min(255, Math.round(raw)));
            }
        }
        int index = row * c.blocksWide + col;
        float low = 255;
        float high = 0;
        int stride = c.blocksWide * c.nh;
        int mh = 8 / c.nh;
        int mv = 8 / c.nv;
        for (int i = 0; i < c.nv; i++) {
            for (int j = 0; j < c.nh; j++) {
                float sum = 0;
                for (int y = i * mv; y < (i + 1) * mv; y++) {
                    for (int x = j * mh; x < (j + 1) * mh; x++) {
                        float s = samples[y * 8 + x];
                        sum += s;
                        low = Math.min(low, s);
                        high = Math.max(high, s);
                    }
                }
                c.plane[(row * c.nv + i) * stride + col * c.nh + j] = sum / (mh * mv);
            }
        }
        c.low[index] = low;
        c.high[index] = high;
    }

    /** IDCT[x][u]: the 1-D inverse DCT basis, C(u)/2 cos((2x+1)u pi/16). */
    private static final float[][] IDCT = new float[8][8];

    static {
        for (int x = 0; x < 8; x++) {
            for (int u = 0; u < 8; u++) {
                IDCT[x][u] = (float) ((u == 0 ? 1 / Math.sqrt(2) : 1) / 2 * Math.cos((2 * x + 1) * u * Math.PI / 16));
            }
        }
    }

    private int dcDifference(BitReader bits, Component c) {
        Huffman dc = dcTables[c.dcTable];
        if (dc == null) {
            throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "jpeg uses an undefined DC table");
        }
        int size = dc.decode(bits);
        return size == 0 ? 0 : extend(bits.bits(size), size);
    }

    /** Means of the nh x nv sub-blocks from the DC and the non-zero AC coefficients. */
    private void writeBlock(Component c, int row, int col, float dc, int nz) {
        int stride = c.blocksWide * c.nh;
        float base = dc / 8f + 128f;
        for (int i = 0; i < c.nv; i++) {
            for (int j = 0; j < c.nh; j++) {
                float v = base;
                for (int z = 0; z < nz; z++) {
                    int natural = nonZero[z];
                    v += coefficients[natural] * c.weightsV[i][natural >> 3] * c.weightsH[j][natural & 7];
                }
                c.plane[(row * c.nv + i) * stride + col * c.nh + j] = v;
            }
        }
    }

    private Result toRgb() {
        for (Component c : components) {
            if (c.latched == null) {
                throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "jpeg component " + c.id + " is in no scan");
            }
        }
        int outW = ceilDiv(width * n, 8);
        int outH = ceilDiv(height * n, 8);
        int[] rgb = new int[outW * outH];
        for (int y = 0; y < outH; y++) {
            if ((y & 63) == 0) {
                budget.check();
            }
            for (int x = 0; x < outW; x++) {
                float a = sample(components[0], x, y);
                if (components.length == 1) {
                    int g = clamp(a);
                    rgb[y * outW + x] = (g << 16) | (g << 8) | g;
                    continue;
                }
                if (colour == JpegColour.YCBCR && !inGamut(x, y)) {
                    throw new NotExact();
                }
                rgb[y * outW + x] = colour.rgb(clamp(a), clamp(sample(components[1], x, y)), clamp(sample(components[2], x, y)), 0);
            }
        }
        return new Result(outW, outH, rgb, lowest, highest);
    }

    /**
     * Whether output pixel (x, y) is what a viewer sees within {@value #CLAMP_TOLERANCE} levels.
     * A viewer converts each pixel to RGB and clamps it to the cube; this path converts the
     * mean. The two differ by no more than the most any pixel behind it can fall outside the
     * cube, which the ranges of luma and of chroma (of every chroma block upsampling may blend
     * there) bound. Ordinary photos stay within a few levels; colours crafted far outside the
     * cube send the file to the full decoder.
     */
    private boolean inGamut(int x, int y) {
        float[] yr = range(components[0], x, y);
        float[] cb = range(components[1], x, y);
        float[] cr = range(components[2], x, y);
        float cbLow = cb[0] - 128;
        float cbHigh = cb[1] - 128;
        float crLow = cr[0] - 128;
        float crHigh = cr[1] - 128;
        float excess = Math.max(
                Math.max(-(yr[0] + 1.402f * crLow), yr[1] + 1.402f * crHigh - 255),
                Math.max(Math.max(-(yr[0] - 0.34414f * cbHigh - 0.71414f * crHigh), yr[1] - 0.34414f * cbLow - 0.71414f * crLow - 255),
                        Math.max(-(yr[0] + 1.772f * cbLow), yr[1] + 1.772f * cbHigh - 255)));
        return excess <= CLAMP_TOLERANCE;
    }

    /** The sample range of the block behind output pixel (x, y) and, for a subsampled component, of its neighbours. */
    private float[] range(Component c, int x, int y) {
        int outPerBlockH = c.nh;
        int outPerBlockV = c.nv;
        int bx = x / outPerBlockH;
        int by = y / outPerBlockV;
        int reach = c.h < hMax || c.v < vMax ? 1 : 0;
        float low = Float.MAX_VALUE;
        float high = -Float.MAX_VALUE;
        for (int j = Math.max(0, by - reach); j <= Math.min(c.blocksHigh - 1, by + reach); j++) {
            for (int i = Math.max(0, bx - reach); i <= Math.min(c.blocksWide - 1, bx + reach); i++) {
                low = Math.min(low, c.low[j * c.blocksWide + i]);
                high = Math.max(high, c.high[j * c.blocksWide + i]);
            }
        }
        return new float[] {low, high};
    }

    /** A component's sample at output pixel (x, y); every component was decoded on the output grid. */
    private float sample(Component c, int x, int y) {
        return c.plane[y * c.blocksWide * c.nh + x];
    }

    private int[] table(Component c) {
        if (quant[c.quant] == null) {
            throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "jpeg uses an undefined quantisation table");
        }
        return quant[c.quant];
    }

    /** weights[i][u]: mean over sub-block i (of 8/n pixels) of the 1-D IDCT basis for frequency u. */
    private static float[][] subBlockWeights(int n) {
        int m = 8 / n;
        float[][] w = new float[n][8];
        for (int i = 0; i < n; i++) {
            for (int u = 0; u < 8; u++) {
                double cu = u == 0 ? 1 / Math.sqrt(2) : 1;
                double sum = 0;
                for (int x = i * m; x < (i + 1) * m; x++) {
                    sum += cu / 2 * Math.cos((2 * x + 1) * u * Math.PI / 16);
                }
                w[i][u] = (float) (sum / m);
            }
        }
        return w;
    }

    private static int extend(int value, int size) {
        return value < (1 << (size - 1)) ? value - (1 << size) + 1 : value;
    }

    private static int clamp(float v) {
        int i = Math.round(v);
        return i < 0 ? 0 : Math.min(i, 255);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private int u16(int at) {
        return ((data[at] & 0xFF) << 8) | (data[at + 1] & 0xFF);
    }
}
