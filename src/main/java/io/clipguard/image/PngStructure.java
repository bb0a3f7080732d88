package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks a PNG's chunks before any decoder sees it: the header's size, depth and colour type
 * (what the decoded raster will cost), and for an animated PNG (APNG) every frame's control
 * chunk. Browsers show an APNG's frames and never its default image when that image has no
 * frame control before it; ImageIO's PNG reader knows nothing of frames and would show
 * only that hidden image, so {@link #frame} rebuilds each frame as a PNG of its own for the
 * reader, and {@link Animation} composites them as a browser does.
 */
final class PngStructure {
    private static final int SIGNATURE = 8;

    /** One APNG frame: its rectangle on the canvas, how it is blended and disposed, and where its data lies. */
    record Frame(int x, int y, int width, int height, int dispose, int blend, List<int[]> data) {
    }

    /** The header, and the frames when the file is an APNG whose animation control is valid. */
    record Png(int width, int height, int bitDepth, int colourType, List<Frame> frames, boolean defaultImageIsFrame, List<int[]> ancillary) {
        int channels() {
            return switch (colourType) {
                case 0, 3 -> 1;
                case 4 -> 2;
                case 2 -> 3;
                default -> 4;
            };
        }

        int bytesPerSample() {
            return bitDepth == 16 ? 2 : 1;
        }

        boolean animated() {
            return !frames.isEmpty();
        }
    }

    private PngStructure() {
    }

    static Png read(byte[] d, DecodeLimits limits) {
        int pos = SIGNATURE;
        int width = 0;
        int height = 0;
        int bitDepth = 0;
        int colourType = 0;
        int declaredFrames = -1;
        boolean seenData = false;
        boolean defaultIsFrame = false;
        List<Frame> frames = new ArrayList<>();
        List<int[]> ancillary = new ArrayList<>();
        int[] control = null;
        List<int[]> data = null;
        boolean first = true;
        while (true) {
            if (pos + 8 > d.length) {
                throw corrupt("data is truncated (no IEND chunk)");
            }
            long length = u32(d, pos);
            String type = new String(d, pos + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
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
            switch (type) {
                case "IEND" -> {
                    if (control != null) {
                        frames.add(frame(control, data, width, height));
                    }
                    if (declaredFrames > 0 && frames.size() != declaredFrames) {
                        // Browsers show the default image when the animation is inconsistent.
                        frames.clear();
                    }
                    if (declaredFrames > 0 && !frames.isEmpty() && frames.size() > limits.maxFrames()) {
                        throw new ClipGuardException(ErrorCode.IMAGE_TOO_COMPLEX, "png has " + frames.size() + " frames, limit " + limits.maxFrames());
                    }
                    return new Png(width, height, bitDepth, colourType, declaredFrames > 0 ? List.copyOf(frames) : List.of(), defaultIsFrame,
                            List.copyOf(ancillary));
                }
                case "acTL" -> {
                    if (!seenData && len == 8) {
                        declaredFrames = (int) Math.min(u32(d, body), Integer.MAX_VALUE);
                        if (declaredFrames > limits.maxFrames()) {
                            throw new ClipGuardException(ErrorCode.IMAGE_TOO_COMPLEX, "png declares " + declaredFrames + " frames, limit "
                                    + limits.maxFrames());
                        }
                    }
                }
                case "fcTL" -> {
                    if (len != 26) {
                        throw corrupt("frame control chunk of " + len + " bytes");
                    }
                    if (control != null) {
                        frames.add(frame(control, data, width, height));
                    }
                    control = new int[] {(int) u32(d, body + 4), (int) u32(d, body + 8), (int) u32(d, body + 12), (int) u32(d, body + 16),
                        d[body + 24] & 0xFF, d[body + 25] & 0xFF};
                    data = new ArrayList<>();
                    if (!seenData) {
                        defaultIsFrame = true;
                    }
                }
                case "IDAT" -> {
                    seenData = true;
                    if (control != null && defaultIsFrame && frames.isEmpty()) {
                        data.add(new int[] {body, len});
                    }
                }
                case "fdAT" -> {
                    if (control == null || len < 4) {
                        throw corrupt("frame data without a frame control");
                    }
                    data.add(new int[] {body + 4, len - 4});
                }
                case "PLTE", "tRNS", "gAMA", "sBIT", "cHRM", "sRGB", "iCCP" -> {
                    ancillary.add(new int[] {pos, len + 12});
                }
                default -> {
                }
            }
            pos = body + len + 4;
        }
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
        return new Frame(x, y, w, h, c[4], c[5], List.copyOf(data));
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

    private static void chunk(ByteArrayOutputStream out, String type, byte[] src, int at, int len) {
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] l = new byte[4];
        put32(l, 0, len);
        out.write(l, 0, 4);
        out.write(t, 0, 4);
        out.write(src, at, len);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
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
