package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Reads an upload the way a viewer sees it, as one or more {@link View}s: a still image, or
 * the sampled frames of an animation composited on its canvas; each over white and over
 * black when it is transparent (the backgrounds a page may put behind it).
 *
 * <p>Order of checks, none of which allocates pixels: the byte count; the format by its magic
 * bytes against the allow-list; the format's own headers walked by ClipGuard's code
 * ({@link JpegStructure}, {@link PngStructure}, {@link GifStructure}, {@link WebpStructure},
 * {@link BmpStructure}, {@link TiffStructure}) for sides, pixels and frames; then the bytes the
 * decode will allocate (samples at their depth, frames, canvas, conversions) against the
 * per-image cap, reserved from the process's {@link DecodeMemory}. Only then does a reader
 * run, the one for that format, inside the CPU budget; an {@code OutOfMemoryError} inside it
 * becomes {@code IMAGE_TOO_LARGE}.
 *
 * <p>JPEG: components are read unconverted and turned into colours by {@link JpegColour}, so
 * conflicting markers are resolved as libjpeg-turbo resolves them. Large JPEGs are read at
 * 1/4 or 1/8 in the DCT domain ({@link ReducedJpegDecoder}) when the short side stays at or
 * above {@code minShortSide}; a file it cannot read exactly takes the full path.
 */
public final class ImageDecoder {
    private static final int WHITE = 0xFFFFFF;
    private static final int BLACK = 0x000000;

    private final DecodeLimits limits;

    public ImageDecoder(DecodeLimits limits) {
        this.limits = limits;
    }

    /** What was read, beside the views. */
    public record Summary(String format, int width, int height, int frames, int scale) {
        /** {@code full} or {@code reduced/N}: recorded in audit trails. */
        public String decodePath() {
            return scale == 1 ? "full" : "reduced/" + scale;
        }
    }

    /**
     * One picture a viewer may see: frame {@code frame} (0 for a still image) of {@code frames},
     * over {@code background} ({@code null} when opaque, else {@code white} or {@code black}).
     */
    public record View(DecodedImage image, int frame, int frames, String background) {
        /** For audit records: {@code still}, {@code frame 3 of 12}, with {@code on white} or {@code on black}. */
        public String label() {
            String what = frames <= 1 ? "still" : "frame " + (frame + 1) + " of " + frames;
            return background == null ? what : what + " on " + background;
        }
    }

    /** The first view, full size: frame one, over white when transparent (thumbnails, tools). */
    public DecodedImage decode(byte[] bytes) {
        return decode(bytes, 0, CpuBudget.unlimited());
    }

    /** The same, reduced for JPEGs when the short side stays at or above {@code minShortSide} (0: never). */
    public DecodedImage decode(byte[] bytes, int minShortSide) {
        return decode(bytes, minShortSide, CpuBudget.unlimited());
    }

    /** The same, within a CPU budget. */
    public DecodedImage decode(byte[] bytes, int minShortSide, CpuBudget budget) {
        AtomicReference<DecodedImage> first = new AtomicReference<>();
        read(bytes, minShortSide, 1, budget, v -> first.compareAndSet(null, copy(v.image())));
        return first.get();
    }

    private static DecodedImage copy(DecodedImage d) {
        return new DecodedImage(d.width(), d.height(), d.rgb().clone(), d.format(), d.sourceWidth(), d.sourceHeight(), d.scale(),
                d.orientation());
    }

    /**
     * Reads the views of up to {@code frames} frames and hands each to {@code sink} as it is
     * made; a view's pixels are valid only during the call (they are reused), which keeps
     * one image's memory to what was reserved for it.
     */
    public Summary read(byte[] bytes, int minShortSide, int frames, CpuBudget budget, Consumer<View> sink) {
        if (bytes == null || bytes.length == 0) {
            throw new ClipGuardException(ErrorCode.IMAGE_EMPTY, "image has no bytes");
        }
        if (bytes.length > limits.maxBytes()) {
            throw new ClipGuardException(ErrorCode.IMAGE_TOO_LARGE, "image has " + bytes.length + " bytes, limit " + limits.maxBytes());
        }
        ImageFormat format = ImageFormat.admit(bytes, limits.formats());
        try {
            return switch (format) {
                case JPEG -> jpeg(bytes, minShortSide, budget, sink);
                case PNG -> png(bytes, frames, budget, sink);
                case GIF -> gif(bytes, frames, budget, sink);
                case WEBP -> webp(bytes, frames, budget, sink);
                case BMP -> {
                    BmpStructure.Bmp b = BmpStructure.read(bytes);
                    yield still(format, bytes, b.width(), b.height(), b.bytesPerPixel(), budget, sink);
                }
                case TIFF -> {
                    TiffStructure.Tiff t = TiffStructure.read(bytes);
                    yield still(format, bytes, t.width(), t.height(), t.samples() * t.bytesPerSample(), budget, sink);
                }
            };
        } catch (OutOfMemoryError e) {
            // The estimate was wrong for this file: refuse it, the process lives on.
            throw new ClipGuardException(ErrorCode.IMAGE_TOO_LARGE, format.label() + " decode ran out of memory");
        }
    }

    private Summary jpeg(byte[] bytes, int minShortSide, CpuBudget budget, Consumer<View> sink) {
        JpegStructure.Frame frame = JpegStructure.check(bytes, limits);
        JpegColour colour = frame.colour();
        int w = frame.width();
        int h = frame.height();
        int orientation = ExifOrientation.read(bytes);
        int scale = reducedScale(w, h, minShortSide);
        if (scale > 1) {
            long rw = (w + scale - 1) / scale;
            long rh = (h + scale - 1) / scale;
            try (DecodeMemory.Lease lease = reserve(rw * rh * (4L * frame.components() + 12), "jpeg")) {
                ReducedJpegDecoder.Result reduced = ReducedJpegDecoder.decode(bytes, scale, colour, budget);
                if (reduced != null) {
                    emitUpright(reduced.rgb(), reduced.width(), reduced.height(), orientation, w, h, scale, sink);
                    return new Summary("jpeg", w, h, 1, scale);
                }
            }
        }
        try (DecodeMemory.Lease lease = reserve(frame.decodeBytes() + 12L * w * h + resampleBytes(w, h), "jpeg")) {
            Raster raster = withReader(bytes, "jpeg", w, h, budget, reader -> reader.readRaster(0, reader.getDefaultReadParam()));
            if (raster.getNumBands() != frame.components()) {
                throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "jpeg decoded to " + raster.getNumBands() + " components, its header declares "
                        + frame.components());
            }
            int bands = raster.getNumBands();
            int[] samples = new int[w * bands];
            int[] rgb = new int[w * h];
            for (int y = 0; y < h; y++) {
                if ((y & 15) == 0) {
                    budget.check();
                }
                raster.getPixels(0, y, w, 1, samples);
                for (int x = 0, i = 0; x < w; x++, i += bands) {
                    rgb[y * w + x] = colour.rgb(samples[i], bands > 1 ? samples[i + 1] : 0, bands > 2 ? samples[i + 2] : 0,
                            bands > 3 ? samples[i + 3] : 0);
                }
            }
            emitUpright(rgb, w, h, orientation, w, h, 1, sink);
            return new Summary("jpeg", w, h, 1, 1);
        }
    }

    private static void emitUpright(int[] rgb, int iw, int ih, int orientation, int w, int h, int scale, Consumer<View> sink) {
        boolean swap = ExifOrientation.swapsAxes(orientation);
        sink.accept(new View(new DecodedImage(swap ? ih : iw, swap ? iw : ih, ExifOrientation.apply(rgb, iw, ih, orientation), "jpeg", w, h,
                scale, orientation), 0, 1, null));
    }

    private Summary png(byte[] bytes, int frames, CpuBudget budget, Consumer<View> sink) {
        PngStructure.Png png = PngStructure.read(bytes, limits);
        int w = png.width();
        int h = png.height();
        if (!png.animated()) {
            return still(ImageFormat.PNG, bytes, w, h, png.channels() * png.bytesPerSample(), budget, sink);
        }
        List<Animation.Frame> shown = new ArrayList<>();
        for (PngStructure.Frame f : png.frames()) {
            shown.add(new Animation.Frame(f.x(), f.y(), f.width(), f.height(), f.blend() == 1,
                    f.dispose() == 1 ? Animation.Dispose.CLEAR : f.dispose() == 2 ? Animation.Dispose.RESTORE : Animation.Dispose.KEEP));
        }
        return animate(ImageFormat.PNG, w, h, shown, png.channels() * png.bytesPerSample(), frames, budget, sink, i -> {
            PngStructure.Frame f = png.frames().get(i);
            return readFrame(PngStructure.frame(bytes, png, f), "png", 0, f.width(), f.height(), budget);
        });
    }

    private Summary gif(byte[] bytes, int frames, CpuBudget budget, Consumer<View> sink) {
        GifStructure.Gif gif = GifStructure.read(bytes, limits.maxFrames());
        int w = gif.width();
        int h = gif.height();
        List<Animation.Frame> shown = new ArrayList<>();
        for (GifStructure.Frame f : gif.frames()) {
            // Frames reaching past the logical screen widen the canvas, as Pillow does.
            w = Math.max(w, f.x() + f.width());
            h = Math.max(h, f.y() + f.height());
            shown.add(new Animation.Frame(f.x(), f.y(), f.width(), f.height(), true,
                    f.disposal() == 2 ? Animation.Dispose.CLEAR : f.disposal() == 3 ? Animation.Dispose.RESTORE : Animation.Dispose.KEEP));
        }
        checkDimensions(w, h, limits);
        return animate(ImageFormat.GIF, w, h, shown, 1, frames, budget, sink, i -> {
            GifStructure.Frame f = gif.frames().get(i);
            return readFrame(bytes, "gif", i, f.width(), f.height(), budget);
        });
    }

    private Summary webp(byte[] bytes, int frames, CpuBudget budget, Consumer<View> sink) {
        WebpStructure.Webp webp = WebpStructure.read(bytes, limits.maxFrames());
        checkDimensions(webp.width(), webp.height(), limits);
        if (webp.frames().isEmpty()) {
            return still(ImageFormat.WEBP, bytes, webp.width(), webp.height(), 4, budget, sink);
        }
        List<Animation.Frame> shown = webp.frames().stream().map(f -> new Animation.Frame(f.x(), f.y(), f.width(), f.height(), f.blend(),
                f.dispose() ? Animation.Dispose.CLEAR : Animation.Dispose.KEEP)).toList();
        return animate(ImageFormat.WEBP, webp.width(), webp.height(), shown, 4, frames, budget, sink, i -> {
            WebpStructure.Frame f = webp.frames().get(i);
            return readFrame(bytes, "webp", i, f.width(), f.height(), budget);
        });
    }

    /** A single image: decoded raster, its ARGB, one composite at a time. */
    private Summary still(ImageFormat format, byte[] bytes, int w, int h, int bytesPerPixel, CpuBudget budget, Consumer<View> sink) {
        checkDimensions(w, h, limits);
        try (DecodeMemory.Lease lease = reserve((long) w * h * (bytesPerPixel + 8) + resampleBytes(w, h), format.label())) {
            int[] argb = readFrame(bytes, format.label(), 0, w, h, budget);
            emit(format, argb, w, h, 0, 1, budget, sink, new int[argb.length]);
            return new Summary(format.label(), w, h, 1, 1);
        }
    }

    private Summary animate(ImageFormat format, int w, int h, List<Animation.Frame> shown, int bytesPerPixel, int frames, CpuBudget budget,
                            Consumer<View> sink, Animation.Source source) {
        long largest = shown.stream().mapToLong(f -> (long) f.width() * f.height()).max().orElse(0);
        // Canvas, saved region, composite, the frame's raster and its ARGB.
        long bytes = 12L * w * h + largest * (bytesPerPixel + 4) + resampleBytes(w, h);
        try (DecodeMemory.Lease lease = reserve(bytes, format.label())) {
            int[] composite = new int[w * h];
            List<Integer> sampled = Animation.sample(shown.size(), frames);
            Animation.play(w, h, shown, sampled, source, budget, (i, canvas) -> emit(format, canvas, w, h, i, shown.size(), budget, sink,
                    composite));
            return new Summary(format.label(), w, h, shown.size(), 1);
        }
    }

    /** Hands out one frame: as it is when opaque, else over white and then over black (reusing {@code work}). */
    private static void emit(ImageFormat format, int[] argb, int w, int h, int frame, int frames, CpuBudget budget, Consumer<View> sink,
                             int[] work) {
        budget.check();
        if (!Pixels.transparent(argb)) {
            sink.accept(new View(new DecodedImage(w, h, Pixels.over(argb, WHITE, work), format.label(), w, h, 1, 1), frame, frames, null));
            return;
        }
        sink.accept(new View(new DecodedImage(w, h, Pixels.over(argb, WHITE, work), format.label(), w, h, 1, 1), frame, frames, "white"));
        sink.accept(new View(new DecodedImage(w, h, Pixels.over(argb, BLACK, work), format.label(), w, h, 1, 1), frame, frames, "black"));
    }

    /** Image {@code index} of {@code bytes} by the reader for {@code format}, as ARGB, checked against the size its headers declare. */
    private int[] readFrame(byte[] bytes, String format, int index, int w, int h, CpuBudget budget) {
        BufferedImage image = withReader(bytes, format, w, h, budget, reader -> reader.read(index, reader.getDefaultReadParam()));
        return Pixels.argb(image, budget);
    }

    private interface Read<T> {
        T apply(ImageReader reader) throws IOException;
    }

    private static <T> T withReader(byte[] bytes, String format, int w, int h, CpuBudget budget, Read<T> read) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
        if (!readers.hasNext()) {
            throw new ClipGuardException(ErrorCode.IMAGE_UNSUPPORTED_FORMAT, "no reader for " + format);
        }
        ImageReader reader = readers.next();
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, false, true);
            AtomicReference<String> warning = new AtomicReference<>();
            reader.addIIOReadWarningListener((source, message) -> warning.compareAndSet(null, message));
            reader.addIIOReadProgressListener(new AbortOnBudget(budget));
            T result;
            try {
                result = read.apply(reader);
            } catch (IOException | RuntimeException e) {
                budget.check();
                throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, format + " data unreadable: " + e.getMessage(), e);
            }
            budget.check();
            int rw = result instanceof Raster r ? r.getWidth() : result instanceof BufferedImage b ? b.getWidth() : -1;
            int rh = result instanceof Raster r ? r.getHeight() : result instanceof BufferedImage b ? b.getHeight() : -1;
            if (rw != w || rh != h) {
                throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, format + " decoded to " + (result == null ? "nothing" : rw + "x" + rh)
                        + " but its header declares " + w + "x" + h);
            }
            if (warning.get() != null && isTruncation(warning.get())) {
                throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, format + " data is truncated: " + warning.get());
            }
            return result;
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, "cannot read image: " + e.getMessage(), e);
        } finally {
            reader.dispose();
        }
    }

    private DecodeMemory.Lease reserve(long bytes, String format) {
        if (bytes > limits.maxMemory()) {
            throw new ClipGuardException(ErrorCode.IMAGE_TOO_LARGE, format + " decode would take " + (bytes >> 20) + " MiB; limit "
                    + (limits.maxMemory() >> 20) + " MiB");
        }
        return DecodeMemory.shared().reserve(bytes);
    }

    /** The resampler's intermediate rows: three int planes of the image's height by at most a few crop widths. */
    private static long resampleBytes(int w, int h) {
        return 12L * Math.max(w, h) * Math.min(Math.max(w, h), 1024);
    }

    /** Sides and pixel count against the limits ({@code IMAGE_TOO_LARGE}); non-positive sides are corrupt. */
    static void checkDimensions(int w, int h, DecodeLimits limits) {
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
}
