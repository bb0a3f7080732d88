package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;

/**
 * Counts a GIF's frames by walking its blocks (no decompression), so that an animation
 * with thousands of frames is refused up front ({@code IMAGE_TOO_COMPLEX}): ClipGuard scores
 * the first frame, and an animation long enough to hide content behind a harmless first frame
 * is a review matter, not a decode.
 */
final class GifStructure {
    private GifStructure() {
    }

    /** The number of frames; {@code IMAGE_CORRUPT} when the block structure is broken. */
    static int frames(byte[] d) {
        if (d.length < 13) {
            throw corrupt("shorter than its header");
        }
        int pos = 13;
        int flags = d[10] & 0xFF;
        if ((flags & 0x80) != 0) {
            pos += 3 * (1 << ((flags & 7) + 1));
        }
        int frames = 0;
        while (pos < d.length) {
            int block = d[pos] & 0xFF;
            if (block == 0x3B) {
                return frames;
            }
            if (block == 0x21) {
                pos = subBlocks(d, pos + 2);
            } else if (block == 0x2C) {
                if (pos + 10 > d.length) {
                    throw corrupt("truncated image descriptor");
                }
                int local = d[pos + 9] & 0xFF;
                pos += 10;
                if ((local & 0x80) != 0) {
                    pos += 3 * (1 << ((local & 7) + 1));
                }
                pos = subBlocks(d, pos + 1);
                frames++;
            } else {
                throw corrupt(String.format("unknown block 0x%02X at byte %d", block, pos));
            }
        }
        // A GIF without a trailer is common and readers accept it.
        return frames;
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

    private static ClipGuardException corrupt(String message) {
        return new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "gif " + message);
    }
}
