package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks a GIF's blocks (no decompression): the logical screen, and each frame's rectangle and
 * disposal method, which ImageIO's reader leaves to its caller. An animation with more frames
 * than the limit is refused up front ({@code IMAGE_TOO_COMPLEX}) without reading them.
 */
final class GifStructure {
    /** One frame's rectangle, what happens to it before the next frame (0-1 keep, 2 clear, 3 restore), and its delay. */
    record Frame(int x, int y, int width, int height, int disposal, long millis) {
    }

    /** The logical screen and the frames in order. */
    record Gif(int width, int height, List<Frame> frames) {
    }

    private GifStructure() {
    }

    /** The screen and frames; {@code IMAGE_CORRUPT} when the block structure is broken. */
    static Gif read(byte[] d, int maxFrames) {
        if (d.length < 13) {
            throw corrupt("shorter than its header");
        }
        int width = u16(d, 6);
        int height = u16(d, 8);
        int pos = 13;
        int flags = d[10] & 0xFF;
        if ((flags & 0x80) != 0) {
            pos += 3 * (1 << ((flags & 7) + 1));
        }
        List<Frame> frames = new ArrayList<>();
        int disposal = 0;
        long millis = 0;
        while (pos < d.length) {
            int block = d[pos] & 0xFF;
            if (block == 0x3B) {
                break;
            }
            if (block == 0x21) {
                if (pos + 6 < d.length && (d[pos + 1] & 0xFF) == 0xF9 && (d[pos + 2] & 0xFF) == 4) {
                    disposal = ((d[pos + 3] & 0xFF) >> 2) & 7;
                    millis = 10L * u16(d, pos + 4);
                }
                pos = subBlocks(d, pos + 2);
            } else if (block == 0x2C) {
                if (pos + 10 > d.length) {
                    throw corrupt("truncated image descriptor");
                }
                Frame f = new Frame(u16(d, pos + 1), u16(d, pos + 3), u16(d, pos + 5), u16(d, pos + 7), disposal, millis);
                if (f.width() == 0 || f.height() == 0) {
                    throw corrupt("frame " + frames.size() + " is " + f.width() + "x" + f.height());
                }
                int local = d[pos + 9] & 0xFF;
                pos += 10;
                if ((local & 0x80) != 0) {
                    pos += 3 * (1 << ((local & 7) + 1));
                }
                pos = subBlocks(d, pos + 1);
                frames.add(f);
                if (frames.size() > maxFrames) {
                    throw new ClipGuardException(ErrorCode.IMAGE_TOO_COMPLEX, "gif has more than " + maxFrames + " frames");
                }
                disposal = 0;
                millis = 0;
            } else {
                throw corrupt(String.format("unknown block 0x%02X at byte %d", block, pos));
            }
        }
        // A GIF without a trailer is common and readers accept it.
        if (frames.isEmpty()) {
            throw corrupt("has no image");
        }
        return new Gif(width, height, List.copyOf(frames));
    }

    private static int subBlocks(byte[] d, int pos) {
        while (pos < d.length) {
            int size = d[pos] & 0xFF;
            pos += 1 + size;
            if (size == 0) {
                return pos;
            }
        }
        return pos;
    }

    private static int u16(byte[] d, int at) {
        return (d[at] & 0xFF) | ((d[at + 1] & 0xFF) << 8);
    }

    private static ClipGuardException corrupt(String message) {
        return new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "gif " + message);
    }
}
