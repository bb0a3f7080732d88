package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;

/**
 * Reads a BMP's headers before any decoder sees it: size and bits per pixel (what the raster
 * will cost), and its compression. A BMP may wrap a whole JPEG or PNG (compression 4 and 5);
 * such a file is refused rather than handed to a second decoder by a path that skips the
 * checks the top-level formats get. RLE-compressed files, a few bytes for any size, are
 * bounded like the rest by the bytes their raster will take.
 */
final class BmpStructure {
    /** What the headers declare. */
    record Bmp(int width, int height, int bitsPerPixel, int compression) {
        int bytesPerPixel() {
            return Math.max(1, (bitsPerPixel + 7) / 8);
        }
    }

    private BmpStructure() {
    }

    static Bmp read(byte[] d) {
        if (d.length < 26) {
            throw corrupt("shorter than its headers");
        }
        int header = (int) u32(d, 14);
        int width;
        int height;
        int bpp;
        int compression = 0;
        if (header == 12) {
            width = u16(d, 18);
            height = u16(d, 20);
            bpp = u16(d, 24);
        } else if (header >= 40 && d.length >= 14 + 40) {
            width = (int) u32(d, 18);
            height = Math.abs((int) u32(d, 22));
            bpp = u16(d, 28);
            compression = (int) u32(d, 30);
        } else {
            throw corrupt("has an information header of " + header + " bytes");
        }
        if (compression == 4 || compression == 5) {
            throw new ClipGuardException(ErrorCode.IMAGE_UNSUPPORTED_FORMAT, "bmp wraps an embedded " + (compression == 4 ? "jpeg" : "png")
                    + " stream; send the image itself");
        }
        if (compression > 6 || (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32)) {
            throw corrupt("declares compression " + compression + " at " + bpp + " bits per pixel");
        }
        if (width <= 0 || height <= 0) {
            throw corrupt("declares " + width + "x" + height);
        }
        return new Bmp(width, height, bpp, compression);
    }

    private static long u32(byte[] d, int at) {
        return (d[at] & 0xFFL) | ((d[at + 1] & 0xFFL) << 8) | ((d[at + 2] & 0xFFL) << 16) | ((d[at + 3] & 0xFFL) << 24);
    }

    private static int u16(byte[] d, int at) {
        return (d[at] & 0xFF) | ((d[at + 1] & 0xFF) << 8);
    }

    private static ClipGuardException corrupt(String message) {
        return new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "bmp " + message);
    }
}
