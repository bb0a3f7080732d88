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
    private static final int MAX_PIECES = 100_000;

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
        long tileWidth = 0;
        long tileHeight = 0;
        long[] offsets = null;
        long[] counts = null;
        for (int i = 0; i < entries; i++) {
            int e = at + 2 + 12 * i;
            int tag = u16(d, e, little);
            int type = u16(d, e + 2, little);
            long count = u32(d, e + 4, little);
            long value = type == 3 ? u16(d, e + 8, little) : u32(d, e + 8, little);
            switch (tag) {
                case 256 -> width = value;
                case 257 -> height = value;
                case 258 -> bits = type != 3 || count <= 2 ? value : u16AtOffset(d, u32(d, e + 8, little), little);
                case 259 -> compression = value;
                case 277 -> samples = value;
                case 322 -> tileWidth = value;
                case 323 -> tileHeight = value;
                case 273, 324 -> offsets = values(d, e, type, count, little);
                case 279, 325 -> counts = values(d, e, type, count, little);
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
        // The reader allocates each strip or tile as the file declares it: every one must lie in the file,
        // and tiles must fit the image (rounded up to their 16-pixel grid).
        if (offsets == null || counts == null || offsets.length != counts.length) {
            throw corrupt("has no consistent strip or tile offsets and byte counts");
        }
        for (int i = 0; i < offsets.length; i++) {
            if (offsets[i] < 0 || counts[i] < 0 || offsets[i] + counts[i] > d.length) {
                throw corrupt("strip or tile " + i + " (" + counts[i] + " bytes at " + offsets[i] + ") lies outside the data");
            }
        }
        if ((tileWidth != 0 || tileHeight != 0) && (tileWidth % 16 != 0 || tileHeight % 16 != 0 || tileWidth == 0 || tileHeight == 0
                || tileWidth > (width + 15) / 16 * 16 || tileHeight > (height + 15) / 16 * 16)) {
            throw corrupt("tiles of " + tileWidth + "x" + tileHeight + " for a " + width + "x" + height + " image");
        }
        if (width <= 0 || height <= 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE || samples < 1 || samples > 8
                || bits < 1 || bits > 16) {
            throw corrupt("declares " + width + "x" + height + ", " + samples + " samples of " + bits + " bits");
        }
        return new Tiff((int) width, (int) height, (int) samples, (int) bits);
    }

    /** The values of a SHORT or LONG entry, inline when they fit its four bytes. */
    private static long[] values(byte[] d, int entry, int type, long count, boolean little) {
        int size = type == 3 ? 2 : type == 4 ? 4 : 0;
        if (size == 0 || count < 1 || count > MAX_PIECES) {
            throw new ClipGuardException(count > MAX_PIECES ? ErrorCode.IMAGE_TOO_COMPLEX : ErrorCode.IMAGE_CORRUPT, "tiff declares " + count
                    + " strips or tiles of type " + type);
        }
        long at = count * size <= 4 ? entry + 8 : u32(d, entry + 8, little);
        if (at < 0 || at + count * size > d.length) {
            throw corrupt("strip or tile table outside the data");
        }
        long[] out = new long[(int) count];
        for (int i = 0; i < count; i++) {
            out[i] = size == 2 ? u16(d, (int) at + 2 * i, little) : u32(d, (int) at + 4 * i, little);
        }
        return out;
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
