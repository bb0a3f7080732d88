package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes JPEG, PNG, GIF (first frame), BMP and WebP into upright sRGB pixels.
 *
 * <p>Limits come first: the byte count, then width, height and pixel count from the header,
 * before any pixel buffer exists. Alpha is composited over white, which is how the image
 * looks on a typical page. Grey images are copied sample by sample: Java2D would treat
 * their colour space as linear and brighten them.
 *
 * <p>Reduced decode: when asked for at least {@code minShortSide} pixels on the short side,
 * a large JPEG is read at 1/4 or 1/8 scale (the largest that still reaches the target) in
 * the DCT domain, which skips the inverse DCT, most colour conversion and the large resize.
 */
public final class ImageDecoder {
    private final DecodeLimits limits;

    public ImageDecoder(DecodeLimits limits) {
        this.limits = limits;
    }

    /** Full-resolution decode. */
    public DecodedImage decode(byte[] bytes) {
        return decode(bytes, 0, CpuBudget.unlimited());
    }

    /** Decode, reduced for JPEGs when the short side stays at or above {@code minShortSide} (0: never). */
    public DecodedImage decode(byte[] bytes, int minShortSide) {
        return decode(bytes, minShortSide, CpuBudget.unlimited());
    }

    /**
     * Decode within a CPU budget ({@code IMAGE_TOO_COMPLEX} when it is spent): JPEG and GIF
     * structure is checked first ({@link JpegStructure}, {@link GifStructure}), then the
     * header's dimensions against the limits, then the pixels are read.
     */
    public DecodedImage decode(byte[] bytes, int minShortSide, CpuBudget budget) {
        if (bytes == null || bytes.length == 0) {
            throw new ClipGuardException(ErrorCode.IMAGE_EMPTY, "image has no bytes");
        }
        if (bytes.length > limits.maxBytes()) {
            throw new ClipGuardException(ErrorCode.IMAGE_TOO_LARGE,
                    "image has " + bytes.length + " bytes, limit " + limits.maxBytes());
        }
        JpegStructure.Frame jpegFrame = isJpeg(bytes) ? JpegStructure.check(bytes, limits) : null;
        if (isGif(bytes)) {
            int frames = GifStructure.frames(bytes);
            if (frames > limits.maxFrames()) {
                throw new ClipGuardException(ErrorCode.IMAGE_TOO_COMPLEX, "gif has " + frames + " frames, limit " + limits.maxFrames());
            }
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = readerFor(in);
            try {
                DecodedImage image = read(reader, in, bytes, minShortSide, budget);
                if (jpegFrame != null && (image.sourceWidth() != jpegFrame.width() || image.sourceHeight() != jpegFrame.height())) {
                    throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "jpeg reader saw " + image.sourceWidth() + "x" + image.sourceHeight()
                            + " but the frame header declares " + jpegFrame.width() + "x" + jpegFrame.height());
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "cannot read image: " + e.getMessage(), e);
        }
    }

    private static ImageReader readerFor(ImageInputStream in) {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new ClipGuardException(ErrorCode.IMAGE_UNSUPPORTED_FORMAT,
                    "not a supported image (expected JPEG, PNG, GIF, BMP or WebP)");
        }
        return readers.next();
    }

    private DecodedImage read(ImageReader reader, ImageInputStream in, byte[] bytes, int minShortSide, CpuBudget budget) throws IOException {
        String format = reader.getFormatName().toLowerCase(Locale.ROOT);
        reader.setInput(in, true, true);
        int w;
        int h;
        try {
            w = reader.getWidth(0);
            h = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, format + " header unreadable: " + e.getMessage(), e);
        }
        checkDimensions(w, h);

        boolean jpeg = format.equals("jpeg") || format.equals("jpg");
        int orientation = jpeg ? ExifOrientation.read(bytes) : 1;
        int scale = jpeg ? reducedScale(w, h, minShortSide) : 1;
        if (scale > 1) {
            ReducedJpegDecoder.Result reduced = ReducedJpegDecoder.decode(bytes, scale, budget);
            if (reduced != null) {
                return upright(reduced.rgb(), reduced.width(), reduced.height(), orientation, w, h, scale);
            }
        }
        AtomicReference<String> warning = new AtomicReference<>();
        reader.addIIOReadWarningListener((source, message) -> warning.compareAndSet(null, message));
        // Readers report progress as they go; past the budget the read is aborted.
        reader.addIIOReadProgressListener(new AbortOnBudget(budget));
        BufferedImage image;
        try {
            image = reader.read(0, reader.getDefaultReadParam());
        } catch (IOException | RuntimeException e) {
            budget.check();
            throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, format + " data unreadable: " + e.getMessage(), e);
        }
        budget.check();
        if (image == null || image.getWidth() != w || image.getHeight() != h) {
            throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, format + " decoded to " + (image == null ? "nothing"
                    : image.getWidth() + "x" + image.getHeight()) + " but its header declares " + w + "x" + h);
        }
        if (warning.get() != null && isTruncation(warning.get())) {
            throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, format + " data is truncated: " + warning.get());
        }
        DecodedImage full = upright(toRgb(image), image.getWidth(), image.getHeight(), orientation, w, h, 1);
        return jpeg ? full : new DecodedImage(full.width(), full.height(), full.rgb(), format, w, h, 1, 1);
    }

    private static DecodedImage upright(int[] rgb, int iw, int ih, int orientation, int w, int h, int scale) {
        boolean swap = ExifOrientation.swapsAxes(orientation);
        return new DecodedImage(swap ? ih : iw, swap ? iw : ih, ExifOrientation.apply(rgb, iw, ih, orientation),
                "jpeg", w, h, scale, orientation);
    }

    private void checkDimensions(int w, int h) {
        if (w <= 0 || h <= 0) {
            throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "header declares " + w + "x" + h);
        }
        if (w > limits.maxWidth() || h > limits.maxHeight() || (long) w * h > limits.maxPixels()) {
            throw new ClipGuardException(ErrorCode.IMAGE_TOO_LARGE, "image declares " + w + "x" + h + " (" + (long) w * h
                    + " px); limits " + limits.maxWidth() + "x" + limits.maxHeight() + ", " + limits.maxPixels() + " px");
        }
    }

    /**
     * 8 or 4, the larger whose result keeps the short side at or above the target; 1 otherwise.
     * The decoder also does 1/2, but measured no faster than a full decode (0.80-1.06x at
     * 640x480), so it is not chosen here.
     */
    static int reducedScale(int w, int h, int minShortSide) {
        if (minShortSide <= 0) {
            return 1;
        }
        int shortSide = Math.min(w, h);
        for (int s = 8; s >= 4; s /= 2) {
            if (shortSide / s >= minShortSide) {
                return s;
            }
        }
        return 1;
    }

    private static boolean isJpeg(byte[] b) {
        return b.length > 2 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8;
    }

    private static boolean isGif(byte[] b) {
        return b.length > 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8';
    }

    /** Aborts a read once the CPU budget is spent (checked at each progress report, many per image). */
    private static final class AbortOnBudget implements javax.imageio.event.IIOReadProgressListener {
        private final CpuBudget budget;

        AbortOnBudget(CpuBudget budget) {
            this.budget = budget;
        }

        @Override
        public void imageProgress(ImageReader source, float percentageDone) {
            if (budget.exceeded()) {
                source.abort();
            }
        }

        @Override
        public void sequenceStarted(ImageReader source, int minIndex) {
        }

        @Override
        public void sequenceComplete(ImageReader source) {
        }

        @Override
        public void imageStarted(ImageReader source, int imageIndex) {
        }

        @Override
        public void imageComplete(ImageReader source) {
        }

        @Override
        public void thumbnailStarted(ImageReader source, int imageIndex, int thumbnailIndex) {
        }

        @Override
        public void thumbnailProgress(ImageReader source, float percentageDone) {
        }

        @Override
        public void thumbnailComplete(ImageReader source) {
        }

        @Override
        public void readAborted(ImageReader source) {
        }
    }

    private static boolean isTruncation(String warning) {
        String w = warning.toLowerCase(Locale.ROOT);
        return w.contains("premature end") || w.contains("truncat") || w.contains("unexpected end");
    }

    /** Packed 0xRRGGBB pixels, alpha over white, grey copied without Java2D's gamma change. */
    static int[] toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            int[] out = new int[w * h];
            for (int i = 0, j = 0; i < out.length; i++, j += 3) {
                out[i] = ((bgr[j + 2] & 0xFF) << 16) | ((bgr[j + 1] & 0xFF) << 8) | (bgr[j] & 0xFF);
            }
            return out;
        }
        if (image.getType() == BufferedImage.TYPE_INT_RGB) {
            return ((DataBufferInt) image.getRaster().getDataBuffer()).getData().clone();
        }
        if (image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            return greyToRgb(image.getRaster(), image.getColorModel().hasAlpha());
        }
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.drawImage(image, 0, 0, null);
        } finally {
            g.dispose();
        }
        return ((DataBufferInt) rgb.getRaster().getDataBuffer()).getData();
    }

    private static int[] greyToRgb(Raster raster, boolean alpha) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int max = (1 << raster.getSampleModel().getSampleSize(0)) - 1;
        int alphaMax = alpha ? (1 << raster.getSampleModel().getSampleSize(1)) - 1 : 1;
        int[] out = new int[w * h];
        int[] grey = new int[w];
        int[] a = alpha ? new int[w] : null;
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, grey);
            if (alpha) {
                raster.getSamples(0, y, w, 1, 1, a);
            }
            for (int x = 0; x < w; x++) {
                double v = grey[x] * 255.0 / max;
                if (alpha) {
                    double t = a[x] / (double) alphaMax;
                    v = v * t + 255 * (1 - t);
                }
                int g = (int) Math.round(v);
                out[y * w + x] = (g << 16) | (g << 8) | g;
            }
        }
        return out;
    }
}
