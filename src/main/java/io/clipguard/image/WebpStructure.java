package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks a WebP's RIFF chunks before any decoder sees it: the canvas size (from VP8X, or the
 * single bitstream's own header) and, for an animation, each frame's rectangle, blending and
 * disposal, which the reader returns uncomposited.
 */
final class WebpStructure {
    /** One animation frame: its rectangle on the canvas; {@code blend} false replaces, {@code dispose} clears it afterwards; its duration. */
    record Frame(int x, int y, int width, int height, boolean blend, boolean dispose, long millis) {
    }

    /** The canvas, whether it may be transparent, and the frames of an animation (empty for a still image). */
    record Webp(int width, int height, boolean alpha, List<Frame> frames) {
    }

    private WebpStructure() {
    }

    static Webp read(byte[] d, int maxFrames) {
        if (d.length < 20) {
            throw corrupt("shorter than its header");
        }
        long riff = u32le(d, 4);
        int end = (int) Math.min(d.length, 8 + riff);
        int pos = 12;
        int width = 0;
        int height = 0;
        boolean alpha = false;
        boolean animated = false;
        boolean extended = false;
        List<Frame> frames = new ArrayList<>();
        while (pos + 8 <= end) {
            String fourcc = new String(d, pos, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            long size = u32le(d, pos + 4);
            int body = pos + 8;
            if (size > end - body) {
                throw corrupt("chunk " + fourcc.trim() + " at byte " + pos + " runs past the data");
            }
            switch (fourcc) {
                case "VP8X" -> {
                    if (size < 10) {
                        throw corrupt("VP8X chunk of " + size + " bytes");
                    }
                    extended = true;
                    int flags = d[body] & 0xFF;
                    alpha = (flags & 0x10) != 0;
                    animated = (flags & 0x02) != 0;
                    width = u24le(d, body + 4) + 1;
                    height = u24le(d, body + 7) + 1;
                }
                case "ANMF" -> {
                    if (size < 16) {
                        throw corrupt("ANMF chunk of " + size + " bytes");
                    }
                    int flags = d[body + 15] & 0xFF;
                    Frame f = new Frame(2 * u24le(d, body), 2 * u24le(d, body + 3), u24le(d, body + 6) + 1, u24le(d, body + 9) + 1,
                            (flags & 0x02) == 0, (flags & 0x01) != 0, u24le(d, body + 12));
                    if ((long) f.x() + f.width() > width || (long) f.y() + f.height() > height) {
                        throw corrupt("frame " + frames.size() + " (" + f.width() + "x" + f.height() + " at " + f.x() + "," + f.y()
                                + ") outside the " + width + "x" + height + " canvas");
                    }
                    frames.add(f);
                    if (frames.size() > maxFrames) {
                        throw new ClipGuardException(ErrorCode.IMAGE_TOO_COMPLEX, "webp has more than " + maxFrames + " frames");
                    }
                }
                case "VP8 " -> {
                    if (!extended) {
                        if (size < 10 || (d[body + 3] & 0xFF) != 0x9D || (d[body + 4] & 0xFF) != 0x01 || (d[body + 5] & 0xFF) != 0x2A) {
                            throw corrupt("VP8 bitstream without its start code");
                        }
                        width = u16le(d, body + 6) & 0x3FFF;
                        height = u16le(d, body + 8) & 0x3FFF;
                    }
                }
                case "VP8L" -> {
                    if (!extended) {
                        if (size < 5 || (d[body] & 0xFF) != 0x2F) {
                            throw corrupt("VP8L bitstream without its signature");
                        }
                        long bits = u32le(d, body + 1);
                        width = (int) (bits & 0x3FFF) + 1;
                        height = (int) ((bits >> 14) & 0x3FFF) + 1;
                        alpha = ((bits >> 28) & 1) != 0;
                    }
                }
                default -> {
                }
            }
            pos = body + (int) size + (int) (size & 1);
        }
        if (width <= 0 || height <= 0) {
            throw corrupt("has no image header");
        }
        if (animated && frames.isEmpty()) {
            throw corrupt("is marked animated but has no frames");
        }
        return new Webp(width, height, alpha || animated, animated ? List.copyOf(frames) : List.of());
    }

    private static long u32le(byte[] d, int at) {
        return (d[at] & 0xFFL) | ((d[at + 1] & 0xFFL) << 8) | ((d[at + 2] & 0xFFL) << 16) | ((d[at + 3] & 0xFFL) << 24);
    }

    private static int u24le(byte[] d, int at) {
        return (d[at] & 0xFF) | ((d[at + 1] & 0xFF) << 8) | ((d[at + 2] & 0xFF) << 16);
    }

    private static int u16le(byte[] d, int at) {
        return (d[at] & 0xFF) | ((d[at + 1] & 0xFF) << 8);
    }

    private static ClipGuardException corrupt(String message) {
        return new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "webp " + message);
    }
}
