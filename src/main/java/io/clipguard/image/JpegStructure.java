package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;

/**
 * Walks a JPEG's segments before any decoder sees it and refuses what a decoder could be
 * made to work hard on or to read differently from Pillow: exactly one frame header (limits
 * are checked on it, and both decoders read the same one), components and sampling factors
 * within the standard (1 to 4, at most 10 blocks per MCU), a sequential file with no more
 * scans than components, a progressive file with at most {@value #MAX_PROGRESSIVE_SCANS}
 * scans, restart markers only with a restart interval, and no more of them than the frame
 * has MCUs. One pass over the bytes, no allocation.
 */
final class JpegStructure {
    static final int MAX_PROGRESSIVE_SCANS = 100;

    /** The one frame header, and the markers that decide its colour space. */
    record Frame(int width, int height, int components, boolean progressive, int[] ids, boolean jfif, int adobeTransform) {
        JpegColour colour() {
            return JpegColour.of(components, jfif, adobeTransform, ids);
        }

        /** Bytes of the decoded components, and of a progressive file's coefficient buffer, at full size. */
        long decodeBytes() {
            return (long) width * height * components * (progressive ? 3 : 1);
        }
    }

    private JpegStructure() {
    }

    static Frame check(byte[] d, DecodeLimits limits) {
        if (d.length < 4 || (d[0] & 0xFF) != 0xFF || (d[1] & 0xFF) != 0xD8) {
            throw corrupt("no start-of-image marker");
        }
        Frame frame = null;
        boolean jfif = false;
        int adobe = -1;
        long mcus = 0;
        int restartInterval = 0;
        int scans = 0;
        int pos = 2;
        while (true) {
            if (pos + 1 >= d.length) {
                throw corrupt("data is truncated (no end-of-image marker)");
            }
            if ((d[pos] & 0xFF) != 0xFF) {
                throw corrupt("expected a marker at byte " + pos);
            }
            int marker = d[pos + 1] & 0xFF;
            if (marker == 0xFF) {
                pos++;
                continue;
            }
            if (marker == 0xD9) {
                break;
            }
            if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x00) {
                throw corrupt(String.format("unexpected marker 0x%02X at byte %d", marker, pos));
            }
            if (marker == 0x01) {
                pos += 2;
                continue;
            }
            if (pos + 3 >= d.length) {
                throw corrupt("data is truncated in a segment header");
            }
            int length = u16(d, pos + 2);
            if (length < 2 || pos + 2 + length > d.length) {
                throw corrupt(String.format("segment 0x%02X at byte %d has length %d beyond the data", marker, pos, length));
            }
            int body = pos + 4;
            if (scans == 0 && marker == 0xE0 && length >= 16 && d[body] == 'J' && d[body + 1] == 'F' && d[body + 2] == 'I' && d[body + 3] == 'F'
                    && d[body + 4] == 0) {
                jfif = true;
            } else if (scans == 0 && marker == 0xEE && length >= 14 && d[body] == 'A' && d[body + 1] == 'd' && d[body + 2] == 'o' && d[body + 3] == 'b'
                    && d[body + 4] == 'e') {
                adobe = d[body + 11] & 0xFF;
            } else if (isFrameHeader(marker)) {
                if (frame != null) {
                    throw corrupt("second frame header at byte " + pos);
                }
                frame = frame(d, body, length, marker, limits);
                mcus = frameMcus(d, body, frame);
            } else if (marker == 0xDD) {
                if (length != 4) {
                    throw corrupt("restart interval segment has length " + length);
                }
                restartInterval = u16(d, body);
            } else if (marker == 0xDA) {
                if (frame == null) {
                    throw corrupt("scan before the frame header");
                }
                scans++;
                int limit = frame.progressive() ? MAX_PROGRESSIVE_SCANS : frame.components();
                if (scans > limit) {
                    throw new ClipGuardException(frame.progressive() ? ErrorCode.IMAGE_TOO_COMPLEX : ErrorCode.IMAGE_CORRUPT,
                            "jpeg has more than " + limit + " scans (" + (frame.progressive() ? "progressive" : "sequential, "
                                    + frame.components() + " components") + ")");
                }
                int count = d[body] & 0xFF;
                if (count < 1 || count > frame.components() || length != 6 + 2 * count) {
                    throw corrupt("scan header names " + count + " components");
                }
                pos = skipEntropyData(d, pos + 2 + length, restartInterval, mcus);
                continue;
            }
            pos += 2 + length;
        }
        if (frame == null) {
            throw corrupt("no frame header");
        }
        if (scans == 0) {
            throw corrupt("no scan");
        }
        // Only markers before the first scan count: libjpeg decides the colour space there.
        return new Frame(frame.width(), frame.height(), frame.components(), frame.progressive(), frame.ids(), jfif, adobe);
    }

    private static boolean isFrameHeader(int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    private static Frame frame(byte[] d, int at, int length, int marker, DecodeLimits limits) {
        if (length < 8) {
            throw corrupt("frame header too short");
        }
        if (marker == 0xC3 || (marker >= 0xC5 && marker <= 0xC7) || marker >= 0xC9) {
            // Lossless, hierarchical and arithmetic-coded files: Chromium shows none of them.
            throw new ClipGuardException(ErrorCode.IMAGE_UNSUPPORTED_FORMAT, String.format("jpeg coding SOF%d (%s) is not shown by browsers",
                    marker - 0xC0, marker >= 0xC9 ? "arithmetic" : marker == 0xC3 ? "lossless" : "hierarchical"));
        }
        if ((d[at] & 0xFF) != 8) {
            throw new ClipGuardException(ErrorCode.IMAGE_UNSUPPORTED_FORMAT, (d[at] & 0xFF) + "-bit jpeg (viewers show 8-bit only)");
        }
        int height = u16(d, at + 1);
        int width = u16(d, at + 3);
        int components = d[at + 5] & 0xFF;
        if (width == 0 || height == 0) {
            throw corrupt("frame header declares " + width + "x" + height);
        }
        if (components < 1 || components > 4 || length != 8 + 3 * components) {
            throw corrupt("frame header declares " + components + " components");
        }
        int blocks = 0;
        for (int i = 0; i < components; i++) {
            int factors = d[at + 7 + 3 * i] & 0xFF;
            int h = factors >> 4;
            int v = factors & 0x0F;
            if (h < 1 || h > 4 || v < 1 || v > 4) {
                throw corrupt("component " + i + " has sampling factors " + h + "x" + v + " (1 to 4 allowed)");
            }
            if ((d[at + 8 + 3 * i] & 0xFF) > 3) {
                throw corrupt("component " + i + " names quantisation table " + (d[at + 8 + 3 * i] & 0xFF));
            }
            blocks += h * v;
        }
        if (components > 1 && blocks > 10) {
            throw corrupt("an MCU of " + blocks + " blocks (at most 10 allowed)");
        }
        int hMax = 1;
        int vMax = 1;
        for (int i = 0; i < components; i++) {
            hMax = Math.max(hMax, (d[at + 7 + 3 * i] & 0xFF) >> 4);
            vMax = Math.max(vMax, d[at + 7 + 3 * i] & 0x0F);
        }
        for (int i = 0; i < components; i++) {
            int factors = d[at + 7 + 3 * i] & 0xFF;
            if (hMax % (factors >> 4) != 0 || vMax % (factors & 0x0F) != 0) {
                // libjpeg upsamples by whole factors only.
                throw corrupt("component " + i + " has sampling factors " + (factors >> 4) + "x" + (factors & 0x0F)
                        + ", not a whole fraction of " + hMax + "x" + vMax);
            }
        }
        if (width > limits.maxWidth() || height > limits.maxHeight() || (long) width * height > limits.maxPixels()) {
            throw new ClipGuardException(ErrorCode.IMAGE_TOO_LARGE, "image declares " + width + "x" + height + " ("
                    + (long) width * height + " px); limits " + limits.maxWidth() + "x" + limits.maxHeight() + ", " + limits.maxPixels() + " px");
        }
        int[] ids = new int[components];
        for (int i = 0; i < components; i++) {
            ids[i] = d[at + 6 + 3 * i] & 0xFF;
        }
        if (components == 2) {
            throw new ClipGuardException(ErrorCode.IMAGE_UNSUPPORTED_FORMAT, "jpeg with 2 components has no colour space a viewer shows");
        }
        return new Frame(width, height, components, marker == 0xC2, ids, false, -1);
    }

    /** MCUs of an interleaved scan: the most restart intervals any scan can have. */
    private static long frameMcus(byte[] d, int at, Frame frame) {
        int hMax = 1;
        int vMax = 1;
        for (int i = 0; i < frame.components(); i++) {
            int factors = d[at + 7 + 3 * i] & 0xFF;
            hMax = Math.max(hMax, factors >> 4);
            vMax = Math.max(vMax, factors & 0x0F);
        }
        long wide = (frame.width() + 8L * hMax - 1) / (8L * hMax);
        long high = (frame.height() + 8L * vMax - 1) / (8L * vMax);
        // A non-interleaved scan of a subsampled frame has up to hMax*vMax times as many units.
        return wide * high * hMax * vMax;
    }

    /** Skips an entropy-coded segment; returns the position of the marker that ends it. */
    private static int skipEntropyData(byte[] d, int p, int restartInterval, long mcus) {
        long restarts = 0;
        long maxRestarts = restartInterval == 0 ? 0 : mcus / restartInterval + 1;
        int expected = 0;
        while (p + 1 < d.length) {
            if ((d[p] & 0xFF) != 0xFF) {
                p++;
                continue;
            }
            int next = d[p + 1] & 0xFF;
            if (next == 0x00 || next == 0xFF) {
                p += next == 0x00 ? 2 : 1;
                continue;
            }
            if (next >= 0xD0 && next <= 0xD7) {
                if (restartInterval == 0) {
                    throw corrupt("restart marker without a restart interval at byte " + p);
                }
                if (next - 0xD0 != expected) {
                    throw corrupt("restart markers out of order at byte " + p);
                }
                expected = (expected + 1) & 7;
                if (++restarts > maxRestarts) {
                    throw corrupt("more restart markers than the frame has intervals (" + maxRestarts + ")");
                }
                p += 2;
                continue;
            }
            return p;
        }
        throw corrupt("data is truncated inside a scan");
    }

    private static int u16(byte[] d, int at) {
        return ((d[at] & 0xFF) << 8) | (d[at + 1] & 0xFF);
    }

    private static ClipGuardException corrupt(String message) {
        return new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "jpeg " + message);
    }
}
