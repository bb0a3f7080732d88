package io.clipguard.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.Deflater;

/** A decompression bomb: a tiny PNG whose header declares a huge image. */
public final class PngBomb {
    private PngBomb() {
    }

    /** A valid PNG header declaring {@code w x h}, with 1 MB of compressed zeros as data. */
    public static byte[] declaring(int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ViewerImages.chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0).array());
        Deflater deflater = new Deflater(9);
        deflater.setInput(new byte[1 << 20]);
        deflater.finish();
        byte[] buf = new byte[1 << 16];
        int n = deflater.deflate(buf);
        ViewerImages.chunk(out, "IDAT", Arrays.copyOf(buf, n));
        ViewerImages.chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }
}
