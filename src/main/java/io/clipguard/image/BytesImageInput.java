package io.clipguard.image;

import javax.imageio.stream.ImageInputStreamImpl;

/**
 * An ImageIO stream over an upload's bytes as they are: ImageIO's own memory-cached stream
 * copies what it reads, a second copy of every image that no budget counted.
 */
final class BytesImageInput extends ImageInputStreamImpl {
    private final byte[] data;

    BytesImageInput(byte[] data) {
        this.data = data;
    }

    @Override
    public int read() {
        bitOffset = 0;
        return streamPos < data.length ? data[(int) streamPos++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        bitOffset = 0;
        if (streamPos >= data.length) {
            return -1;
        }
        int n = (int) Math.min(len, data.length - streamPos);
        System.arraycopy(data, (int) streamPos, b, off, n);
        streamPos += n;
        return n;
    }

    @Override
    public long length() {
        return data.length;
    }
}
