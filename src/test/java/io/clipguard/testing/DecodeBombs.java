package io.clipguard.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Images of a few hundred bytes whose headers promise gigabytes or endless work, one of each
 * kind the decoder must refuse before allocating: deep PNGs under the pixel limit, RLE BMPs,
 * compressed TIFFs, declared canvases and frame counts, and streams wrapped in other formats.
 * Each with the code it must get. (BMP and TIFF need {@code decode.formats} to include them.)
 */
public final class DecodeBombs {
    private DecodeBombs() {
    }

    /** kind -> {image bytes, expected reason code}. */
    public static Map<String, Object[]> kinds() {
        Map<String, Object[]> k = new LinkedHashMap<>();
        k.put("png-16-bit-rgba-49mpx", new Object[] {ViewerImages.pngDeclaring(7000, 7000, 16, 6), "IMAGE_TOO_LARGE"});
        k.put("png-30000x30000", new Object[] {PngBomb.declaring(30_000, 30_000), "IMAGE_TOO_LARGE"});
        k.put("apng-100000-frames", new Object[] {apngDeclaringFrames(100_000), "IMAGE_TOO_COMPLEX"});
        k.put("gif-60000x60000", new Object[] {gifDeclaring(60_000, 60_000), "IMAGE_TOO_LARGE"});
        k.put("gif-2000-frames", new Object[] {HostileImages.gifFrames(2000), "IMAGE_TOO_COMPLEX"});
        k.put("webp-16384x16384", new Object[] {webpDeclaring(16_384, 16_384), "IMAGE_TOO_LARGE"});
        k.put("bmp-rle-12000x4000", new Object[] {ViewerImages.bmp(12_000, 4_000, 8, 1, new byte[69]), "IMAGE_TOO_LARGE"});
        k.put("bmp-wrapping-a-jpeg", new Object[] {ViewerImages.bmp(7000, 7000, 24, 4, HostileImages.jpeg(640, 480)), "IMAGE_UNSUPPORTED_FORMAT"});
        k.put("tiff-7000x7000x4x16", new Object[] {ViewerImages.tiff(7000, 7000, 4, 16, 32773, false), "IMAGE_TOO_LARGE"});
        k.put("tiff-wrapping-a-jpeg", new Object[] {ViewerImages.tiff(7000, 7000, 3, 8, 7, false), "IMAGE_UNSUPPORTED_FORMAT"});
        byte[] jpeg = HostileImages.jpeg(640, 480);
        byte[] twelve = jpeg.clone();
        int sof = indexOf(twelve, 0xC0);
        twelve[sof + 4] = 12;
        k.put("jpeg-12-bit", new Object[] {twelve, "IMAGE_UNSUPPORTED_FORMAT"});
        byte[] arithmetic = jpeg.clone();
        arithmetic[sof + 1] = (byte) 0xC9;
        k.put("jpeg-arithmetic", new Object[] {arithmetic, "IMAGE_UNSUPPORTED_FORMAT"});
        return k;
    }

    /** A GIF whose logical screen and only frame declare {@code w x h}, with one byte of image data. */
    public static byte[] gifDeclaring(int w, int h) {
        byte[] gif = HostileImages.gifFrames(1);
        gif[6] = (byte) w;
        gif[7] = (byte) (w >> 8);
        gif[8] = (byte) h;
        gif[9] = (byte) (h >> 8);
        // The first image descriptor follows header (13), colour table (6) and graphic control (8).
        int d = 13 + 6 + 8;
        gif[d + 5] = (byte) w;
        gif[d + 6] = (byte) (w >> 8);
        gif[d + 7] = (byte) h;
        gif[d + 8] = (byte) (h >> 8);
        return gif;
    }

    /** A 1x1 APNG whose animation control declares {@code frames} frames. */
    public static byte[] apngDeclaringFrames(int frames) {
        byte[] one = ViewerImages.apng(1, 1, null, List.of(new ViewerImages.ApngFrame(0, 0, 1, 1, new int[] {0xFFFF0000}, 0, 0)));
        int at = 8 + 25; // signature, IHDR chunk
        ByteBuffer.wrap(one, at + 8, 4).putInt(frames);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(one, at + 4, 4 + 8);
        ByteBuffer.wrap(one, at + 16, 4).putInt((int) crc.getValue());
        return one;
    }

    /** An extended WebP whose canvas is {@code w x h}, with a 1x1 lossless bitstream. */
    public static byte[] webpDeclaring(int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(12 + 18 + 8 + 6).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(4 + 18 + 8 + 6).put("WEBP".getBytes());
        b.put("VP8X".getBytes()).putInt(10).put((byte) 0).put(new byte[3]);
        b.put((byte) (w - 1)).put((byte) ((w - 1) >> 8)).put((byte) ((w - 1) >> 16));
        b.put((byte) (h - 1)).put((byte) ((h - 1) >> 8)).put((byte) ((h - 1) >> 16));
        b.put("VP8L".getBytes()).putInt(5).put((byte) 0x2F).putInt(0).put((byte) 0);
        return b.array();
    }

    private static int indexOf(byte[] d, int marker) {
        for (int i = 2; i + 1 < d.length; i++) {
            if ((d[i] & 0xFF) == 0xFF && (d[i + 1] & 0xFF) == marker) {
                return i;
            }
        }
        throw new IllegalArgumentException();
    }
}
