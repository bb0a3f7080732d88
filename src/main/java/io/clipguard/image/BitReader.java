package io.clipguard.image;

/**
 * Reads a JPEG entropy-coded segment bit by bit: removes stuffed zero bytes after 0xFF and
 * stops at the first marker, after which it supplies zero bits (as libjpeg does for a
 * short scan); running far past the end of the data means the file is truncated.
 */
final class BitReader {
    private static final int MAX_PADDING_BYTES = 64;

    private final byte[] data;
    private int pos;
    private long buffer;
    private int count;
    private int padding;
    private boolean atMarker;

    BitReader(byte[] data, int start) {
        this.data = data;
        this.pos = start;
    }

    int bits(int n) {
        fill(n);
        count -= n;
        return (int) ((buffer >>> count) & ((1L << n) - 1));
    }

    int peek(int n) {
        fill(n);
        return (int) ((buffer >>> (count - n)) & ((1L << n) - 1));
    }

    void skip(int n) {
        count -= n;
    }

    /**
     * At a restart boundary: drops the partial byte, skips any stray bytes before the next
     * marker (as libjpeg does, with a warning) and the marker itself when it is
     * {@code RST<expected>}; false when the next marker is anything else (libjpeg then
     * resynchronises by rules this reader does not follow).
     */
    boolean restart(int expected) {
        count = 0;
        buffer = 0;
        atMarker = false;
        padding = 0;
        while (pos + 1 < data.length) {
            if ((data[pos] & 0xFF) == 0xFF) {
                int marker = data[pos + 1] & 0xFF;
                if (marker == 0xFF) {
                    pos++;
                    continue;
                }
                if (marker != 0) {
                    if (marker != 0xD0 + expected) {
                        return false;
                    }
                    pos += 2;
                    return true;
                }
            }
            pos++;
        }
        return false;
    }

    /** Position of the next marker that is not a restart marker (end of this scan). */
    int skipToMarker() {
        int p = pos;
        while (p + 1 < data.length) {
            if ((data[p] & 0xFF) == 0xFF) {
                int next = data[p + 1] & 0xFF;
                if (next != 0 && next != 0xFF && (next < 0xD0 || next > 0xD7)) {
                    return p;
                }
            }
            p++;
        }
        return data.length;
    }

    private void fill(int n) {
        if (count >= n) {
            return;
        }
        // Fast path: whole bytes while no 0xFF (stuffing or marker) is in sight.
        while (count <= 56 && !atMarker && pos < data.length) {
            int b = data[pos] & 0xFF;
            if (b == 0xFF) {
                break;
            }
            pos++;
            buffer = (buffer << 8) | b;
            count += 8;
        }
        while (count < n) {
            int b;
            if (atMarker || pos >= data.length) {
                if (++padding > MAX_PADDING_BYTES) {
                    throw new IllegalStateException("premature end of entropy-coded data");
                }
                b = 0;
            } else {
                b = data[pos] & 0xFF;
                if (b == 0xFF) {
                    int next = pos + 1 < data.length ? data[pos + 1] & 0xFF : -1;
                    if (next == 0) {
                        pos += 2;
                    } else {
                        atMarker = true;
                        b = 0;
                    }
                } else {
                    pos++;
                }
            }
            buffer = (buffer << 8) | b;
            count += 8;
        }
    }
}
