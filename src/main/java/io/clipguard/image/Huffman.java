package io.clipguard.image;

/** A canonical JPEG Huffman table with a 9-bit lookahead table and the spec's slow path beyond it. */
final class Huffman {
    private static final int LOOKAHEAD = 9;

    private final int[] lookup = new int[1 << LOOKAHEAD];
    private final int[] maxCode = new int[18];
    private final int[] valueOffset = new int[17];
    private final int[] symbols;
    /** For AC tables: code and value bits resolved together, {@code value << 16 | run << 8 | bits}; 0 = slow path. */
    private final int[] fastAc = new int[1 << LOOKAHEAD];

    Huffman(int[] counts, int[] symbols) {
        this.symbols = symbols;
        int code = 0;
        int k = 0;
        for (int len = 1; len <= 16; len++) {
            valueOffset[len] = k - code;
            for (int i = 0; i < counts[len - 1]; i++) {
                if (len <= LOOKAHEAD) {
                    int shift = LOOKAHEAD - len;
                    for (int fill = 0; fill < (1 << shift); fill++) {
                        lookup[(code << shift) | fill] = (len << 8) | symbols[k];
                    }
                }
                code++;
                k++;
            }
            maxCode[len] = counts[len - 1] > 0 ? code - 1 : -1;
            code <<= 1;
        }
        maxCode[17] = Integer.MAX_VALUE;
        for (int index = 0; index < lookup.length; index++) {
            int entry = lookup[index];
            int len = entry >> 8;
            int run = (entry >> 4) & 0x0F;
            int size = entry & 0x0F;
            if (entry != 0 && size != 0 && len + size <= LOOKAHEAD) {
                int raw = (index >> (LOOKAHEAD - len - size)) & ((1 << size) - 1);
                int value = raw < (1 << (size - 1)) ? raw - (1 << size) + 1 : raw;
                fastAc[index] = (value << 16) | (run << 8) | (len + size);
            }
        }
    }

    /** The fast-AC entry for the next bits, or 0 when the symbol needs {@link #decode}. */
    int fastAc(BitReader bits) {
        return fastAc[bits.peek(LOOKAHEAD)];
    }

    int decode(BitReader bits) {
        int entry = lookup[bits.peek(LOOKAHEAD)];
        if (entry != 0) {
            bits.skip(entry >> 8);
            return entry & 0xFF;
        }
        int code = 0;
        for (int len = 1; len <= 16; len++) {
            code = (code << 1) | bits.bits(1);
            if (maxCode[len] >= 0 && code <= maxCode[len]) {
                return symbols[valueOffset[len] + code];
            }
        }
        throw new IllegalStateException("bad Huffman code");
    }
}
