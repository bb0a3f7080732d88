package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Walks a PNG's chunks before any decoder sees it: the header's size, depth and colour type
 * (what the decoded raster will cost), and for an animated PNG (APNG) every frame's control
 * chunk. ImageIO's PNG reader knows nothing of frames and shows only the default image, so
 * {@link #frame} rebuilds each frame as a PNG of its own for the reader, and {@link Animation}
 * composites them as a browser does.
 *
 * <p>Whether a file plays at all is decided by Chromium's rules: one animation control before
 * the image data, frame and data chunks with intact checksums and sequence numbers counting
 * up from 0, no frame data before the image data, a first frame that covers the canvas when
 * it is the default image, disposal and blending within their ranges, and as many frames as
 * declared. Anything else is shown as the still default image. When the animation plays and
 * its default image is not its first frame, browsers never show that image but other viewers
 * do: {@link Png#hiddenDefault()} says so, and the decoder scores it too.
 */
final class PngStructure {
    private static final int SIGNATURE = 8;
    /** Frame data and ancillary chunks walked at most: a file of tiny chunks is not worth walking. */
    private static final int MAX_PARTS = 100_000;

    /** One APNG frame: its rectangle, how it is blended and disposed, how long it is shown, and where its data lies. */
    record Frame(int x, int y, int width, int height, int dispose, int blend, long millis, List<int[]> data) {
    }

    /** The header, and the frames when the file is an APNG a browser plays. */
    record Png(int width, int height, int bitDepth, int colourType, boolean transparency, List<Frame> frames, boolean defaultIsFrame,
               List<int[]> ancillary) {
        /** Bands of the decoded raster: a tRNS chunk adds an alpha band to grey and RGB. */
        int channels() {
            return switch (colourType) {
                case 0 -> transparency ? 2 : 1;
                case 3 -> 1;
                case 4 -> 2;
                case 2 -> transparency ? 4 : 3;
                default -> 4;
            };
        }

        int bytesPerSample() {
            return bitDepth == 16 ? 2 : 1;
        }

        boolean animated() {
            return !frames.isEmpty();
        }

        /** An animation whose default image is not among its frames: browsers never show it, other viewers do. */
        boolean hiddenDefault() {
            return animated() && !defaultIsFrame;
        }
    }

    private PngStructure() {
    }

    /** Where the walk is, and whether what it saw still makes a playable animation. */
    private static final class Walk {
        int declaredFrames = -1;
        int animationControls;
        boolean seenData;
        boolean defaultIsFrame;
        boolean playable = true;
        long nextSequence;
        int parts;
        boolean transparency;
        final List<Frame> frames = new ArrayList<>();
        final List<int[]> ancillary = new ArrayList<>();
        int[] control;
        List<int[]> data;
    }

    static Png read(byte[] d, DecodeLimits limits) {
        int pos = SIGNATURE;
        int width = 0;
        int height = 0;
        int bitDepth = 0;
        int colourType = 0;
        Walk w = new Walk();
        boolean first = true;
        while (true) {
            if (pos + 8 > d.length) {
                throw corrupt("data is truncated (no IEND chunk)");
            }
            long length = u32(d, pos);
            String type = new String(d, pos + 4, 4, StandardCharsets.ISO_8859_1);
            if (length > d.length - pos - 12L) {
                throw corrupt("chunk " + type + " at byte " + pos + " runs past the data");
            }
            int body = pos + 8;
            int len = (int) length;
            if (first) {
                if (!type.equals("IHDR") || len != 13) {
                    throw corrupt("does not start with a 13-byte IHDR chunk");
                }
                width = (int) Math.min(u32(d, body), Integer.MAX_VALUE);
                height = (int) Math.min(u32(d, body + 4), Integer.MAX_VALUE);
                bitDepth = d[body + 8] & 0xFF;
                colourType = d[body + 9] & 0xFF;
                if (width == 0 || height == 0) {
                    throw corrupt("header declares " + width + "x" + height);
                }
                if (!validDepth(bitDepth, colourType)) {
                    throw corrupt("bit depth " + bitDepth + " with colour type " + colourType);
                }
                ImageDecoder.checkDimensions(width, height, limits);
                first = false;
            }
            if (++w.parts > MAX_PARTS) {
                throw new ClipGuardException(ErrorCode.IMAGE_TOO_COMPLEX, "png has more than " + MAX_PARTS + " chunks");
            }
            switch (type) {
                case "IEND" -> {
                    return finish(w, width, height, bitDepth, colourType, limits);
                }
                case "acTL" -> {
                    w.animationControls++;
                    if (w.seenData || len != 8 || !crcMatches(d, pos, len) || w.animationControls > 1) {
                        w.playable = false;
                    } else {
                        w.declaredFrames = (int) Math.min(u32(d, body), Integer.MAX_VALUE);
                        if (w.declaredFrames > limits.maxFrames()) {
                            throw new ClipGuardException(ErrorCode.IMAGE_TOO_COMPLEX, "png declares " + w.declaredFrames + " frames, limit "
                                    + limits.maxFrames());
                        }
                    }
                }
                case "fcTL" -> {
                    if (len != 26 || !crcMatches(d, pos, len) || u32(d, body) != w.nextSequence++) {
                        w.playable = false;
                        break;
                    }
                    if (w.playable && w.control != null) {
                        w.frames.add(frame(w.control, w.data, width, height));
                    }
                    if (w.frames.size() >= limits.maxFrames()) {
                        throw new ClipGuardException(ErrorCode.IMAGE_TOO_COMPLEX, "png has more than " + limits.maxFrames() + " frames");
                    }
                    int fw = (int) u32(d, body + 4);
                    int fh = (int) u32(d, body + 8);
                    int fx = (int) u32(d, body + 12);
                    int fy = (int) u32(d, body + 16);
                    int num = u16(d, body + 20);
                    int den = u16(d, body + 22);
                    int dispose = d[body + 24] & 0xFF;
                    int blend = d[body + 25] & 0xFF;
                    if (dispose > 2 || blend > 1) {
                        w.playable = false;
                    }
                    if (!w.seenData) {
                        w.defaultIsFrame = true;
                        // The default image as the first frame must cover the canvas.
                        if (fx != 0 || fy != 0 || fw != width || fh != height) {
                            w.playable = false;
                        }
                    }
                    w.control = new int[] {fw, fh, fx, fy, dispose, blend, (int) (1000L * num / (den == 0 ? 100 : den))};
                    w.data = new ArrayList<>();
                }
                case "IDAT" -> {
                    w.seenData = true;
                    if (w.control != null && w.defaultIsFrame && w.frames.isEmpty()) {
                        w.data.add(new int[] {body, len});
                    }
                }
                case "fdAT" -> {
                    if (!w.seenData || w.control == null || len < 4 || !crcMatches(d, pos, len) || u32(d, body) != w.nextSequence++) {
                        w.playable = false;
                        break;
                    }
                    w.data.add(new int[] {body + 4, len - 4});
                }
                case "PLTE", "tRNS", "gAMA", "sBIT", "cHRM", "sRGB", "iCCP" -> {
                    if (type.equals("tRNS")) {
                        w.transparency = true;
                    }
                    w.ancillary.add(new int[] {pos, len + 12});
                }
                default -> {
                }
            }
            pos = body + len + 4;
        }
    }

    private static Png finish(Walk w, int width, int height, int bitDepth, int colourType, DecodeLimits limits) {
        if (w.playable && w.control != null) {
            w.frames.add(frame(w.control, w.data, width, height));
        }
        boolean plays = w.playable && w.declaredFrames > 0 && w.frames.size() == w.declaredFrames;
        return new Png(width, height, bitDepth, colourType, w.transparency, plays ? List.copyOf(w.frames) : List.of(), w.defaultIsFrame,
                List.copyOf(w.ancillary));
    }

    private static Frame frame(int[] c, List<int[]> data, int width, int height) {
        int w = c[0];
        int h = c[1];
        int x = c[2];
        int y = c[3];
        if (w <= 0 || h <= 0 || x < 0 || y < 0 || (long) x + w > width || (long) y + h > height) {
            throw corrupt("frame " + w + "x" + h + " at " + x + "," + y + " outside the " + width + "x" + height + " canvas");
        }
        if (data.isEmpty()) {
            throw corrupt("frame without data");
        }
        return new Frame(x, y, w, h, c[4], c[5], c[6], List.copyOf(data));
    }

    /** A frame as a PNG of its own: the file's header at the frame's size, its palette and transparency, the frame's data. */
    static byte[] frame(byte[] d, Png png, Frame f) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(d, 0, SIGNATURE);
        byte[] header = new byte[13];
        System.arraycopy(d, SIGNATURE + 8, header, 0, 13);
        put32(header, 0, f.width());
        put32(header, 4, f.height());
        chunk(out, "IHDR", header, 0, 13);
        for (int[] a : png.ancillary()) {
            out.write(d, a[0], a[1]);
        }
        for (int[] part : f.data()) {
            chunk(out, "IDAT", d, part[0], part[1]);
        }
        chunk(out, "IEND", new byte[0], 0, 0);
        return out.toByteArray();
    }

    private static boolean crcMatches(byte[] d, int chunk, int len) {
        CRC32 crc = new CRC32();
        crc.update(d, chunk + 4, 4 + len);
        return (int) crc.getValue() == (int) u32(d, chunk + 8 + len);
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] src, int at, int len) {
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        byte[] l = new byte[4];
        put32(l, 0, len);
        out.write(l, 0, 4);
        out.write(t, 0, 4);
        out.write(src, at, len);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(src, at, len);
        byte[] c = new byte[4];
        put32(c, 0, (int) crc.getValue());
        out.write(c, 0, 4);
    }

    private static boolean validDepth(int depth, int type) {
        return switch (type) {
            case 0 -> depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
            case 3 -> depth == 1 || depth == 2 || depth == 4 || depth == 8;
            case 2, 4, 6 -> depth == 8 || depth == 16;
            default -> false;
        };
    }

    private static long u32(byte[] d, int at) {
        return ((long) (d[at] & 0xFF) << 24) | ((d[at + 1] & 0xFF) << 16) | ((d[at + 2] & 0xFF) << 8) | (d[at + 3] & 0xFF);
    }

    private static int u16(byte[] d, int at) {
        return ((d[at] & 0xFF) << 8) | (d[at + 1] & 0xFF);
    }

    private static void put32(byte[] d, int at, int v) {
        d[at] = (byte) (v >>> 24);
        d[at + 1] = (byte) (v >>> 16);
        d[at + 2] = (byte) (v >>> 8);
        d[at + 3] = (byte) v;
    }

    private static ClipGuardException corrupt(String message) {
        return new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "png " + message);
    }
}
