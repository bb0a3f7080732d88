package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.util.Set;

/**
 * Reads a TIFF's first directory before any decoder sees it: size, samples and bits (what the
 * raster will cost) and compression. Only single-page files with plain, PackBits, LZW or
 * Deflate data are read: a JPEG inside a TIFF is an embedded stream the top-level checks would
 * not see, and a second page is content no viewer of the first one sees.
 */
final class TiffStructure {
    private static final Set<Integer> COMPRESSIONS = Set.of(1, 5, 8, 32773, 32946);

    /** What the first directory declares. */
    record Tiff(int width, int height, int samples, int bitsPerSample) {
        int bytesPerSample() {
            return Math.max(1, (bitsPerSample + 7) / 8);
        }
    }

    private TiffStructure() {
    }

    static Tiff read(byte[] d) {
        boolean little = d[0] == 'I';
        long ifd = u32(d, 4, little);
        if (ifd < 8 || ifd + 2 > d.length) {
            throw corrupt("directory offset " + ifd + " outside the data");
        }
        int at = (int) ifd;
        int entries = u16(d, at, little);
        if (at + 2 + 12L * entries + 4 > d.length) {
            throw corrupt("directory of " + entries + " entries runs past the data");
        }
        long width = 0;
        long height = 0;
        long samples = 1;
        long bits = 1;
        long compression = 1;
        for (int i = 0; i < entries; i++) {
            int e = at + 2 + 12 * i;
            int tag = u16(d, e, little);
            int type = u16(d, e + 2, little);
            long count = u32(d, e + 4, little);
            long value = type == 3 ? u16(d, e + 8, little) : u32(d, e + 8, little);
            switch (tag) {
                case 256 -> width = value;
                case 257 -> height = value;
                case 258 -> bits = count == 1 || type != 3 ? value : u16AtOffset(d, u32(d, e + 8, little), little);
                case 259 -> compression = value;
                case 277 -> samples = value;
                default -> {
                }
            }
        }
        long next = u32(d, at + 2 + 12 * entries, little);
        if (next != 0) {
            throw new ClipGuardException(ErrorCode.IMAGE_UNSUPPORTED_FORMAT, "tiff has more than one page");
        }
        if (!COMPRESSIONS.contains((int) compression)) {
            throw new ClipGuardException(ErrorCode.IMAGE_UNSUPPORTED_FORMAT, "tiff compression " + compression
                    + (compression == 6 || compression == 7 ? " (an embedded jpeg stream)" : "") + " is not read");
        }
        if (width <= 0 || height <= 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE || samples < 1 || samples > 8
                || bits < 1 || bits > 16) {
            throw corrupt("declares " + width + "x" + height + ", " + samples + " samples of " + bits + " bits");
        }
        return new Tiff((int) width, (int) height, (int) samples, (int) bits);
    }

    private static int u16AtOffset(byte[] d, long offset, boolean little) {
        if (offset < 0 || offset + 2 > d.length) {
            throw corrupt("bits per sample at " + offset + " outside the data");
        }
        return u16(d, (int) offset, little);
    }

    private static long u32(byte[] d, int at, boolean little) {
        if (at + 4 > d.length) {
            throw corrupt("truncated");
        }
        return little ? (d[at] & 0xFFL) | ((d[at + 1] & 0xFFL) << 8) | ((d[at + 2] & 0xFFL) << 16) | ((d[at + 3] & 0xFFL) << 24)
                : ((d[at] & 0xFFL) << 24) | ((d[at + 1] & 0xFFL) << 16) | ((d[at + 2] & 0xFFL) << 8) | (d[at + 3] & 0xFFL);
    }

    private static int u16(byte[] d, int at, boolean little) {
        if (at + 2 > d.length) {
            throw corrupt("truncated");
        }
        return little ? (d[at] & 0xFF) | ((d[at + 1] & 0xFF) << 8) : ((d[at] & 0xFF) << 8) | (d[at + 1] & 0xFF);
    }

    private static ClipGuardException corrupt(String message) {
        return new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "tiff " + message);
    }
}
