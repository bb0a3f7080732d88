package io.clipguard.testing;

import io.clipguard.image.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Images built to make a decoder work hard or read them differently from Pillow, made by
 * editing the segments of an ordinary JPEG or writing GIF blocks by hand: what an adversary
 * would upload.
 */
public final class HostileImages {
    private HostileImages() {
    }

    /** An ordinary baseline JPEG (4:2:0), the base for the edits below. */
    public static byte[] jpeg(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        SplittableRandom r = new SplittableRandom(w * 31L + h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((x * 255 / w) << 16) | ((y * 255 / h) << 8) | r.nextInt(256));
            }
        }
        return ImageEncoding.jpeg(img, 0.9f);
    }

    /**
     * A smooth progressive JPEG: small on the wire (under a megabyte at 7000x7000) but the
     * decoder must hold and refine every coefficient of every scan, so even a reduced decode
     * costs about as much as a full one. What the per-image CPU deadline is for.
     */
    public static byte[] progressiveJpeg(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((x * 255 / w) << 16) | ((y * 255 / h) << 8) | ((x ^ y) & 0xff));
            }
        }
        return ImageEncoding.progressiveJpeg(img);
    }

    /** {@code jpeg} with a second frame header declaring {@code w x h} inserted before its first scan. */
    public static byte[] secondFrameHeader(byte[] jpeg, int w, int h) {
        int sof = find(jpeg, 0xC0);
        int length = u16(jpeg, sof + 2);
        byte[] second = Arrays.copyOfRange(jpeg, sof, sof + 2 + length);
        second[5] = (byte) (h >> 8);
        second[6] = (byte) h;
        second[7] = (byte) (w >> 8);
        second[8] = (byte) w;
        int sos = find(jpeg, 0xDA);
        return ViewerImages.splice(jpeg, sos, second);
    }

    /** {@code jpeg} with its first component's sampling factors set to 0x0. */
    public static byte[] zeroSamplingFactor(byte[] jpeg) {
        byte[] out = jpeg.clone();
        int sof = find(out, 0xC0);
        out[sof + 11] = 0;
        return out;
    }

    /**
     * A restart interval of 1 and {@code scans} empty scan headers before the real one: the
     * shape of a file that makes a decoder start the frame again per scan header.
     */
    public static byte[] manyEmptyScans(byte[] jpeg, int scans) {
        int sos = find(jpeg, 0xDA);
        int length = u16(jpeg, sos + 2);
        byte[] header = Arrays.copyOfRange(jpeg, sos, sos + 2 + length);
        ByteArrayOutputStream extra = new ByteArrayOutputStream();
        extra.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xDD, 0, 4, 0, 1});
        for (int i = 0; i < scans; i++) {
            extra.writeBytes(header);
        }
        return ViewerImages.splice(jpeg, sos, extra.toByteArray());
    }

    /** A GIF of {@code frames} 1x1 frames. */
    public static byte[] gifFrames(int frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("GIF89a".getBytes());
        out.writeBytes(new byte[] {1, 0, 1, 0, (byte) 0x80, 0, 0}); // 1x1, global colour table of 2
        out.writeBytes(new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255});
        for (int i = 0; i < frames; i++) {
            out.writeBytes(new byte[] {0x21, (byte) 0xF9, 4, 0, 1, 0, 0, 0}); // graphic control: 10 ms
            out.writeBytes(new byte[] {0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0}); // image descriptor 1x1
            out.writeBytes(new byte[] {2, 2, 0x4C, 0x01, 0}); // LZW: clear, 0, end
        }
        out.write(0x3B);
        return out.toByteArray();
    }


    /** The position of the first marker {@code 0xFF marker} found by walking the segments. */
    private static int find(byte[] d, int marker) {
        int pos = 2;
        while (pos + 3 < d.length) {
            int m = d[pos + 1] & 0xFF;
            if (m == marker) {
                return pos;
            }
            pos += 2 + u16(d, pos + 2);
        }
        throw new IllegalArgumentException("no marker " + Integer.toHexString(marker));
    }

    private static int u16(byte[] d, int at) {
        return ((d[at] & 0xFF) << 8) | (d[at + 1] & 0xFF);
    }
}
