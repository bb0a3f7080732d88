package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;

/**
 * Decodes a JPEG straight to 1/2, 1/4 or 1/8 of its size in the DCT domain, the way
 * libjpeg's {@code scale_denom} does: each output pixel is the exact mean of the 2x2, 4x4
 * or 8x8 source pixels it covers, computed from the block's coefficients without an
 * inverse DCT. At 1/8 only the DC coefficient is needed, so progressive files are read
 * from their DC scans alone and their AC scans are skipped unread.
 *
 * <p>Supports 8-bit Huffman JPEGs (baseline and extended; progressive at 1/8 when no
 * component is subsampled) with grey, YCbCr or Adobe-RGB components. Anything else returns {@code null} and the caller takes
 * the full decoder, so this class never has to be complete to be correct.
 */
final class ReducedJpegDecoder {
    private static final int[] ZIGZAG = {
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
        28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54,
        47, 55, 62, 63};

    /** The decoded image: packed 0xRRGGBB at the reduced size. */
    record Result(int width, int height, int[] rgb) {
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
        /** Progressive: quantised DC per block, refined bit by bit. */
        int[] dc;
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
    private boolean progressive;
    private int adobeTransform = -1;
    private final CpuBudget budget;

    private ReducedJpegDecoder(byte[] data, int scale, CpuBudget budget) {
        this.data = data;
        this.n = 8 / scale;
        this.budget = budget;
    }

    /**
     * Decodes at {@code 1/scale} (scale 2, 4 or 8); {@code null} when this file needs the
     * full decoder (unsupported coding, or progressive at a scale other than 8).
     */
    static Result decode(byte[] jpeg, int scale, CpuBudget budget) {
        try {
            return new ReducedJpegDecoder(jpeg, scale, budget).run();
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
                case 0xC0, 0xC1, 0xC2 -> {
                    progressive = marker == 0xC2;
                    if (progressive && n != 1 || !frame(body)) {
                        return null;
                    }
                }
                case 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF -> {
                    return null;
                }
                case 0xC4 -> huffmanTables(body, pos + 2 + length);
                case 0xDB -> quantTables(body, pos + 2 + length);
                case 0xDD -> restartInterval = u16(body);
                case 0xEE -> adobe(body, length);
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
        return toRgb();
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
        if (progressive) {
            for (Component c : components) {
                if (c.h != hMax || c.v != vMax) {
                    // DC-only chroma would be at 1/16 scale: not exact enough, use the full decoder.
                    return false;
                }
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
            c.dc = new int[c.blocksWide * c.blocksHigh];
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

    private void adobe(int at, int length) {
        if (length >= 14 && data[at] == 'A' && data[at + 1] == 'd' && data[at + 2] == 'o' && data[at + 3] == 'b' && data[at + 4] == 'e') {
            adobeTransform = data[at + 11] & 0xFF;
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
        }
        int p = at + 1 + 2 * count;
        int spectralStart = data[p] & 0xFF;
        int approximationHigh = (data[p + 2] & 0xFF) >> 4;
        int approximationLow = data[p + 2] & 0x0F;
        BitReader bits = new BitReader(data, entropyStart);
        if (progressive && spectralStart != 0) {
            return bits.skipToMarker();
        }
        boolean single = count == 1;
        Component first = inScan[0];
        int unitsWide = single ? ceilDiv(ceilDiv(width * first.h, hMax), 8) : mcusWide;
        int unitsHigh = single ? ceilDiv(ceilDiv(height * first.v, vMax), 8) : mcusHigh;
        int unit = 0;
        for (int my = 0; my < unitsHigh; my++) {
            budget.check();
            for (int mx = 0; mx < unitsWide; mx++) {
                if (restartInterval > 0 && unit > 0 && unit % restartInterval == 0) {
                    bits.restart();
                    for (Component c : inScan) {
                        c.prediction = 0;
                    }
                }
                unit++;
                if (single) {
                    block(bits, first, my, mx, approximationHigh, approximationLow);
                    continue;
                }
                for (Component c : inScan) {
                    for (int v = 0; v < c.v; v++) {
                        for (int h = 0; h < c.h; h++) {
                            block(bits, c, my * c.v + v, mx * c.h + h, approximationHigh, approximationLow);
                        }
                    }
                }
            }
        }
        return bits.skipToMarker();
    }

    private final float[] coefficients = new float[64];
    private final int[] nonZero = new int[64];

    private void block(BitReader bits, Component c, int row, int col, int ah, int al) {
        int index = row * c.blocksWide + col;
        if (progressive) {
            if (ah == 0) {
                c.prediction += dcDifference(bits, c);
                c.dc[index] = c.prediction << al;
            } else {
                c.dc[index] |= bits.bits(1) << al;
            }
            return;
        }
        int[] q = table(c);
        c.prediction += dcDifference(bits, c);
        Huffman ac = acTables[c.acTable];
        if (ac == null) {
            throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "jpeg uses an undefined AC table");
        }
        int nz = 0;
        boolean keep = c.nh > 1 || c.nv > 1;
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
            if (keep && k < 64) {
                int natural = ZIGZAG[k];
                coefficients[natural] = value * q[natural];
                nonZero[nz++] = natural;
            }
            k++;
        }
        writeBlock(c, row, col, c.prediction * q[0], nz);
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
        if (progressive) {
            for (Component c : components) {
                int[] q = table(c);
                for (int b = 0; b < c.dc.length; b++) {
                    c.plane[b] = c.dc[b] * q[0] / 8f + 128f;
                }
            }
        }
        int outW = ceilDiv(width * n, 8);
        int outH = ceilDiv(height * n, 8);
        int[] rgb = new int[outW * outH];
        boolean ycc = components.length == 3 && adobeTransform != 0;
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
                float b = sample(components[1], x, y);
                float c = sample(components[2], x, y);
                int r;
                int g;
                int bl;
                if (ycc) {
                    r = clamp(a + 1.402f * (c - 128));
                    g = clamp(a - 0.344136f * (b - 128) - 0.714136f * (c - 128));
                    bl = clamp(a + 1.772f * (b - 128));
                } else {
                    r = clamp(a);
                    g = clamp(b);
                    bl = clamp(c);
                }
                rgb[y * outW + x] = (r << 16) | (g << 8) | bl;
            }
        }
        return new Result(outW, outH, rgb);
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
