package io.clipguard.pdq;

import java.util.Locale;

/**
 * A 256-bit PDQ hash, bit {@code k} (row {@code k / 16}, column {@code k % 16} of the 16x16
 * DCT) held in {@code words[k / 64]} at bit {@code k % 64}. Written as 64 hex digits with
 * bit 255 first: the form ThreatExchange and Hasher-Matcher-Actioner exchange.
 */
public record PdqHash(long w0, long w1, long w2, long w3) {
    /** The hash of 64 hex digits; anything else is refused. */
    public static PdqHash parse(String hex) {
        String s = hex.strip();
        if (s.length() != 64) {
            throw new IllegalArgumentException("a PDQ hash is 64 hex digits, not " + s.length() + " characters");
        }
        try {
            return new PdqHash(Long.parseUnsignedLong(s.substring(48, 64), 16), Long.parseUnsignedLong(s.substring(32, 48), 16),
                    Long.parseUnsignedLong(s.substring(16, 32), 16), Long.parseUnsignedLong(s.substring(0, 16), 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a PDQ hash is 64 hex digits: " + e.getMessage());
        }
    }

    /** Bits set from a 16x16 matrix, row-major: bit {@code k} when {@code set[k]}. */
    static PdqHash ofBits(boolean[] set) {
        long[] w = new long[4];
        for (int k = 0; k < 256; k++) {
            if (set[k]) {
                w[k >> 6] |= 1L << (k & 63);
            }
        }
        return new PdqHash(w[0], w[1], w[2], w[3]);
    }

    public long word(int i) {
        return switch (i) {
            case 0 -> w0;
            case 1 -> w1;
            case 2 -> w2;
            case 3 -> w3;
            default -> throw new IndexOutOfBoundsException(i);
        };
    }

    /** The 16 bits of row {@code c} of the DCT (a chunk of the multi-index). */
    public int chunk(int c) {
        return (int) (word(c >> 2) >>> ((c & 3) << 4)) & 0xffff;
    }

    /** Bits that differ. */
    public int distance(PdqHash other) {
        return Long.bitCount(w0 ^ other.w0) + Long.bitCount(w1 ^ other.w1) + Long.bitCount(w2 ^ other.w2) + Long.bitCount(w3 ^ other.w3);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%016x%016x%016x%016x", w3, w2, w1, w0);
    }
}
