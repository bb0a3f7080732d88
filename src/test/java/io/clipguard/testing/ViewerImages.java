package io.clipguard.testing;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.w3c.dom.Node;

/**
 * Files whose structure a viewer and a careless decoder read differently, built by editing
 * ordinary files or writing their blocks by hand: JPEG marker conflicts, tables redefined
 * late, stray bytes before restart markers, GIFs and APNGs whose first image is not what
 * plays, transparency hiding colour, and headers that declare more than their bytes hold.
 */
public final class ViewerImages {
    private ViewerImages() {
    }

    /** A solid-colour image. */
    public static BufferedImage solid(int w, int h, int rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    /** A JFIF JPEG (YCbCr, 4:2:0) written by the JDK; progressive, and with a restart interval of {@code restartMcus} when above 0. */
    public static byte[] jpeg(BufferedImage img, boolean progressive, int restartMcus) {
        return jpeg(img, progressive, restartMcus, true);
    }

    /** The same, with chroma at full resolution (4:4:4) unless {@code subsampled}. */
    public static byte[] jpeg(BufferedImage img, boolean progressive, int restartMcus, boolean subsampled) {
        try {
            ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.92f);
            if (progressive) {
                param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            }
            IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(img), param);
            String format = "javax_imageio_jpeg_image_1.0";
            IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(format);
            if (restartMcus > 0) {
                Node markers = root.getElementsByTagName("markerSequence").item(0);
                IIOMetadataNode dri = new IIOMetadataNode("dri");
                dri.setAttribute("interval", String.valueOf(restartMcus));
                markers.insertBefore(dri, markers.getFirstChild());
            }
            if (!subsampled) {
                org.w3c.dom.NodeList specs = root.getElementsByTagName("componentSpec");
                for (int i = 0; i < specs.getLength(); i++) {
                    ((IIOMetadataNode) specs.item(i)).setAttribute("HsamplingFactor", "1");
                    ((IIOMetadataNode) specs.item(i)).setAttribute("VsamplingFactor", "1");
                }
            }
            meta.setFromTree(format, root);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
                writer.setOutput(stream);
                writer.write(null, new IIOImage(img, null, meta), param);
            }
            writer.dispose();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code jpeg} with an Adobe APP14 segment of {@code transform} inserted after its first segment. */
    public static byte[] withAdobe(byte[] jpeg, int transform) {
        byte[] adobe = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform};
        int after = hasJfif(jpeg) ? 2 + 2 + u16(jpeg, 4) : 2;
        return splice(jpeg, after, adobe);
    }

    /** {@code jpeg} without its JFIF APP0 segment. */
    public static byte[] withoutJfif(byte[] jpeg) {
        if (!hasJfif(jpeg)) {
            return jpeg.clone();
        }
        int end = 2 + 2 + u16(jpeg, 4);
        byte[] out = new byte[jpeg.length - (end - 2)];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(jpeg, end, out, 2, jpeg.length - end);
        return out;
    }

    /** {@code jpeg} with its three components renamed {@code ids} in the frame header and every scan header. */
    public static byte[] componentIds(byte[] jpeg, int... ids) {
        byte[] out = jpeg.clone();
        int[] old = new int[3];
        int sof = find(out, 0xC0, 0xC2);
        for (int i = 0; i < 3; i++) {
            old[i] = out[sof + 10 + 3 * i] & 0xFF;
            out[sof + 10 + 3 * i] = (byte) ids[i];
        }
        for (int pos = 2; pos + 3 < out.length; ) {
            int marker = out[pos + 1] & 0xFF;
            if (marker == 0xD9) {
                break;
            }
            int length = u16(out, pos + 2);
            if (marker == 0xDA) {
                int count = out[pos + 4] & 0xFF;
                for (int i = 0; i < count; i++) {
                    int at = pos + 5 + 2 * i;
                    for (int c = 0; c < 3; c++) {
                        if ((out[at] & 0xFF) == old[c]) {
                            out[at] = (byte) ids[c];
                            break;
                        }
                    }
                }
                pos = nextMarker(out, pos + 2 + length);
                continue;
            }
            pos += 2 + length;
        }
        return out;
    }

    /** {@code jpeg} with quantisation tables 0 and 1 redefined (every entry {@code value}) just before its end: after the last scan. */
    public static byte[] lateTables(byte[] jpeg, int value) {
        byte[] dqt = new byte[4 + 2 * 65];
        dqt[0] = (byte) 0xFF;
        dqt[1] = (byte) 0xDB;
        dqt[2] = 0;
        dqt[3] = (byte) (2 + 2 * 65);
        for (int t = 0; t < 2; t++) {
            dqt[4 + 65 * t] = (byte) t;
            Arrays.fill(dqt, 5 + 65 * t, 5 + 65 * t + 64, (byte) value);
        }
        return splice(jpeg, jpeg.length - 2, dqt);
    }

    /** {@code jpeg} with {@code junk} (no 0xFF in it) before every restart marker, as damaged files have. */
    public static byte[] strayBeforeRestarts(byte[] jpeg, byte[] junk) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int inserted = 0;
        for (int i = 0; i < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && i + 1 < jpeg.length && (jpeg[i + 1] & 0xFF) >= 0xD0 && (jpeg[i + 1] & 0xFF) <= 0xD7) {
                out.writeBytes(junk);
                inserted++;
            }
            out.write(jpeg[i]);
        }
        if (inserted == 0) {
            throw new IllegalArgumentException("no restart markers");
        }
        return out.toByteArray();
    }

    /** Whether {@code jpeg} has restart markers. */
    public static int restartMarkers(byte[] jpeg) {
        int n = 0;
        for (int i = 0; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) >= 0xD0 && (jpeg[i + 1] & 0xFF) <= 0xD7) {
                n++;
            }
        }
        return n;
    }

    /** A GIF frame: its rectangle, its pixels as indexes into the global palette, disposal, and a transparent index (or -1). */
    public record GifFrame(int x, int y, int w, int h, byte[] indexes, int disposal, int transparent, int delayCs) {
        public GifFrame(int x, int y, int w, int h, byte[] indexes, int disposal, int transparent) {
            this(x, y, w, h, indexes, disposal, transparent, 10);
        }

        public static GifFrame filled(int x, int y, int w, int h, int index, int disposal) {
            byte[] px = new byte[w * h];
            Arrays.fill(px, (byte) index);
            return new GifFrame(x, y, w, h, px, disposal, -1);
        }

        /** The same frame shown for {@code cs} hundredths of a second. */
        public GifFrame shownFor(int cs) {
            return new GifFrame(x, y, w, h, indexes, disposal, transparent, cs);
        }
    }

    /** A GIF89a of {@code frames} on a {@code w x h} screen with a 256-colour global palette ({@code palette} packed RGB first). */
    public static byte[] gif(int w, int h, int[] palette, List<GifFrame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("GIF89a".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.writeBytes(new byte[] {(byte) w, (byte) (w >> 8), (byte) h, (byte) (h >> 8), (byte) 0xF7, 0, 0});
        for (int i = 0; i < 256; i++) {
            int c = i < palette.length ? palette[i] : 0;
            out.writeBytes(new byte[] {(byte) (c >> 16), (byte) (c >> 8), (byte) c});
        }
        for (GifFrame f : frames) {
            int flags = (f.disposal() << 2) | (f.transparent() >= 0 ? 1 : 0);
            out.writeBytes(new byte[] {0x21, (byte) 0xF9, 4, (byte) flags, (byte) f.delayCs(), (byte) (f.delayCs() >> 8),
                (byte) Math.max(0, f.transparent()), 0});
            out.writeBytes(new byte[] {0x2C, (byte) f.x(), (byte) (f.x() >> 8), (byte) f.y(), (byte) (f.y() >> 8), (byte) f.w(),
                (byte) (f.w() >> 8), (byte) f.h(), (byte) (f.h() >> 8), 0});
            out.writeBytes(lzw(f.indexes()));
        }
        out.write(0x3B);
        return out.toByteArray();
    }

    /**
     * GIF LZW at 8 bits without compression: every pixel a literal code of 9 bits, with a clear
     * code before the table would widen the codes, so that no decoder state is needed to write it.
     */
    private static byte[] lzw(byte[] indexes) {
        ByteArrayOutputStream codes = new ByteArrayOutputStream();
        long buffer = 0;
        int bits = 0;
        int sinceClear = 0;
        int[] stream = new int[indexes.length + indexes.length / 200 + 3];
        int n = 0;
        stream[n++] = 256;
        for (byte b : indexes) {
            if (sinceClear == 250) {
                stream[n++] = 256;
                sinceClear = 0;
            }
            stream[n++] = b & 0xFF;
            sinceClear++;
        }
        stream[n++] = 257;
        for (int i = 0; i < n; i++) {
            buffer |= (long) stream[i] << bits;
            bits += 9;
            while (bits >= 8) {
                codes.write((int) (buffer & 0xFF));
                buffer >>>= 8;
                bits -= 8;
            }
        }
        if (bits > 0) {
            codes.write((int) (buffer & 0xFF));
        }
        byte[] data = codes.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(8);
        for (int at = 0; at < data.length; at += 255) {
            int len = Math.min(255, data.length - at);
            out.write(len);
            out.write(data, at, len);
        }
        out.write(0);
        return out.toByteArray();
    }

    /** An APNG frame: rectangle, ARGB pixels, dispose op (0 none, 1 background, 2 previous), blend op (0 source, 1 over). */
    public record ApngFrame(int x, int y, int w, int h, int[] argb, int dispose, int blend) {
    }

    /**
     * An RGBA APNG on a {@code w x h} canvas. With {@code defaultImage} non-null the default
     * image is not part of the animation (browsers never show it); otherwise the first frame is
     * the default image.
     */
    public static byte[] apng(int w, int h, int[] defaultImage, List<ApngFrame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 6).put((byte) 0).put((byte) 0).put((byte) 0)
                .array());
        chunk(out, "acTL", ByteBuffer.allocate(8).putInt(frames.size()).putInt(0).array());
        int seq = 0;
        if (defaultImage != null) {
            chunk(out, "IDAT", rgbaData(defaultImage, w, h));
        }
        for (int i = 0; i < frames.size(); i++) {
            ApngFrame f = frames.get(i);
            chunk(out, "fcTL", ByteBuffer.allocate(26).putInt(seq++).putInt(f.w()).putInt(f.h()).putInt(f.x()).putInt(f.y()).putShort((short) 1)
                    .putShort((short) 10).put((byte) f.dispose()).put((byte) f.blend()).array());
            byte[] data = rgbaData(f.argb(), f.w(), f.h());
            if (i == 0 && defaultImage == null) {
                chunk(out, "IDAT", data);
            } else {
                chunk(out, "fdAT", ByteBuffer.allocate(4 + data.length).putInt(seq++).put(data).array());
            }
        }
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** An 8-bit RGBA PNG of {@code argb}. */
    public static byte[] rgbaPng(int[] argb, int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 6).put((byte) 0).put((byte) 0).put((byte) 0)
                .array());
        chunk(out, "IDAT", rgbaData(argb, w, h));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** A PNG header declaring {@code w x h} at {@code depth} bits and {@code colourType}, with a little compressed data. */
    public static byte[] pngDeclaring(int w, int h, int depth, int colourType) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) depth).put((byte) colourType).put((byte) 0).put((byte) 0)
                .put((byte) 0).array());
        chunk(out, "IDAT", deflate(new byte[4096]));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** A BMP whose headers declare {@code w x h} at {@code bpp} with {@code compression}, followed by {@code payload}. */
    public static byte[] bmp(int w, int h, int bpp, int compression, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(54 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'B').put((byte) 'M').putInt(54 + payload.length).putInt(0).putInt(54);
        b.putInt(40).putInt(w).putInt(h).putShort((short) 1).putShort((short) bpp).putInt(compression).putInt(payload.length)
                .putInt(2835).putInt(2835).putInt(0).putInt(0);
        b.put(payload);
        return b.array();
    }

    /** A little-endian TIFF whose first directory declares {@code w x h}, {@code samples} of {@code bits}, and a second page when asked. */
    public static byte[] tiff(int w, int h, int samples, int bits, int compression, boolean secondPage) {
        int data = 8 + 2 + 12 * 8 + 4;
        ByteBuffer b = ByteBuffer.allocate(data + 32).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8);
        b.putShort((short) 8);
        entry(b, 256, 4, w);
        entry(b, 257, 4, h);
        entry(b, 258, 3, bits);
        entry(b, 259, 3, compression);
        entry(b, 262, 3, samples >= 3 ? 2 : 1);
        entry(b, 273, 4, data);
        entry(b, 277, 3, samples);
        entry(b, 279, 4, 32);
        b.putInt(secondPage ? 8 : 0);
        return b.array();
    }

    private static void entry(ByteBuffer b, int tag, int type, int value) {
        b.putShort((short) tag).putShort((short) type).putInt(1);
        if (type == 3) {
            b.putShort((short) value).putShort((short) 0);
        } else {
            b.putInt(value);
        }
    }

    private static byte[] rgbaData(int[] argb, int w, int h) {
        byte[] raw = new byte[h * (1 + 4 * w)];
        int at = 0;
        for (int y = 0; y < h; y++) {
            raw[at++] = 0;
            for (int x = 0; x < w; x++) {
                int p = argb[y * w + x];
                raw[at++] = (byte) (p >> 16);
                raw[at++] = (byte) (p >> 8);
                raw[at++] = (byte) p;
                raw[at++] = (byte) (p >>> 24);
            }
        }
        return deflate(raw);
    }

    private static byte[] deflate(byte[] raw) {
        Deflater deflater = new Deflater(6);
        deflater.setInput(raw);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        while (!deflater.finished()) {
            out.write(buf, 0, deflater.deflate(buf));
        }
        return out.toByteArray();
    }

    /** Appends one PNG chunk with its length and CRC. */
    public static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static boolean hasJfif(byte[] jpeg) {
        return (jpeg[3] & 0xFF) == 0xE0 && jpeg[6] == 'J' && jpeg[7] == 'F' && jpeg[8] == 'I' && jpeg[9] == 'F';
    }

    private static int nextMarker(byte[] d, int p) {
        while (p + 1 < d.length) {
            if ((d[p] & 0xFF) == 0xFF) {
                int next = d[p + 1] & 0xFF;
                if (next != 0 && next != 0xFF && (next < 0xD0 || next > 0xD7)) {
                    return p;
                }
            }
            p++;
        }
        return d.length;
    }

    private static int find(byte[] d, int... markers) {
        int pos = 2;
        while (pos + 3 < d.length) {
            int m = d[pos + 1] & 0xFF;
            for (int marker : markers) {
                if (m == marker) {
                    return pos;
                }
            }
            pos += 2 + u16(d, pos + 2);
        }
        throw new IllegalArgumentException("no frame header");
    }

    /** {@code data} with {@code insert} at {@code at}. */
    public static byte[] splice(byte[] data, int at, byte[] insert) {
        byte[] out = new byte[data.length + insert.length];
        System.arraycopy(data, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(data, at, out, at + insert.length, data.length - at);
        return out;
    }

    private static int u16(byte[] d, int at) {
        return ((d[at] & 0xFF) << 8) | (d[at + 1] & 0xFF);
    }
}
