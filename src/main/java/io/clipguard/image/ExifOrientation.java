package io.clipguard.image;

/**
 * Reads the EXIF orientation tag (0x0112) from a JPEG's APP1 segment and applies it.
 * Parsed by hand from the bytes so that image metadata is never handed to a full
 * metadata parser (ImageIO reads are run with metadata ignored).
 */
final class ExifOrientation {
    private ExifOrientation() {
    }

    /** Orientation 1..8 from a JPEG's bytes; 1 when absent or unreadable. */
    static int read(byte[] jpeg) {
        int pos = 2;
        while (pos + 4 <= jpeg.length && (jpeg[pos] & 0xFF) == 0xFF) {
            int marker = jpeg[pos + 1] & 0xFF;
            int length = ((jpeg[pos + 2] & 0xFF) << 8) | (jpeg[pos + 3] & 0xFF);
            if (marker == 0xDA || length < 2) {
                return 1;
            }
            if (marker == 0xE1 && length >= 16 && startsWithExif(jpeg, pos + 4)) {
                return fromTiff(jpeg, pos + 10, Math.min(jpeg.length, pos + 2 + length));
            }
            pos += 2 + length;
        }
        return 1;
    }

    private static boolean startsWithExif(byte[] b, int at) {
        return at + 6 <= b.length && b[at] == 'E' && b[at + 1] == 'x' && b[at + 2] == 'i' && b[at + 3] == 'f'
                && b[at + 4] == 0 && b[at + 5] == 0;
    }

    private static int fromTiff(byte[] b, int tiff, int end) {
        if (tiff + 8 > end) {
            return 1;
        }
        boolean little = b[tiff] == 'I';
        int ifd = tiff + u32(b, tiff + 4, little);
        if (ifd + 2 > end || ifd < tiff) {
            return 1;
        }
        int entries = u16(b, ifd, little);
        for (int i = 0; i < entries; i++) {
            int e = ifd + 2 + 12 * i;
            if (e + 12 > end) {
                return 1;
            }
            if (u16(b, e, little) == 0x0112) {
                int v = u16(b, e + 8, little);
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int at, boolean little) {
        int x = b[at] & 0xFF;
        int y = b[at + 1] & 0xFF;
        return little ? x | (y << 8) : (x << 8) | y;
    }

    private static int u32(byte[] b, int at, boolean little) {
        return little ? u16(b, at, true) | (u16(b, at + 2, true) << 16) : (u16(b, at, false) << 16) | u16(b, at + 2, false);
    }

    /**
     * Pixels turned upright. Orientations 5..8 swap width and height; the result's width is
     * {@code result.length / (swapped ? width : height)}.
     */
    static int[] apply(int[] rgb, int w, int h, int orientation) {
        if (orientation <= 1) {
            return rgb;
        }
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        int[] out = new int[rgb.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int dx;
                int dy;
                switch (orientation) {
                    case 2 -> { dx = w - 1 - x; dy = y; }
                    case 3 -> { dx = w - 1 - x; dy = h - 1 - y; }
                    case 4 -> { dx = x; dy = h - 1 - y; }
                    case 5 -> { dx = y; dy = x; }
                    case 6 -> { dx = h - 1 - y; dy = x; }
                    case 7 -> { dx = h - 1 - y; dy = w - 1 - x; }
                    default -> { dx = y; dy = w - 1 - x; }
                }
                out[dy * ow + dx] = rgb[y * w + x];
            }
        }
        return out;
    }

    static boolean swapsAxes(int orientation) {
        return orientation >= 5;
    }
}
