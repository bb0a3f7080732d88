package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
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
        /** The frame index of an APNG's default image when it is not one of the frames (viewers without APNG show it). */
        public static final int DEFAULT_IMAGE = -1;

        /** For audit records: {@code still}, {@code frame 3 of 12} or {@code default image}, with {@code on white} or {@code on black}. */
        public String label() {
            String what = frame == DEFAULT_IMAGE ? "default image" : frames <= 1 ? "still" : "frame " + (frame + 1) + " of " + frames;
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
        if (!frame.progressive()) {
            // One pass over the coefficients: the reduced picture when it is exact, and in any case the
            // samples' range. The JDK's libjpeg wraps samples far outside 0..255 where viewers clamp them.
            int pass = scale > 1 ? scale : 8;
            long rw = (w + pass - 1) / pass;
            long rh = (h + pass - 1) / pass;
            // Per output pixel: each component's plane (4 bytes) and block bounds (8), the RGB, its upright copy and a kept copy.
            try (DecodeMemory.Lease lease = reserve(rw * rh * (12L * frame.components() + 16), "jpeg")) {
                ReducedJpegDecoder.Result reduced = ReducedJpegDecoder.decode(bytes, pass, colour, budget);
                if (reduced != null && !reduced.clampsLikeViewers()) {
                    throw new ClipGuardException(ErrorCode.IMAGE_CORRUPT, String.format(Locale.ROOT, "jpeg samples reach %.0f..%.0f: decoders "
                            + "disagree on what that shows", reduced.lowest(), reduced.highest()));
                }
                if (scale > 1 && reduced != null && reduced.rgb() != null) {
                    emitUpright(reduced.rgb(), reduced.width(), reduced.height(), orientation, w, h, scale, sink);
                    return new Summary("jpeg", w, h, 1, scale);
                }
            }
        }
        try (DecodeMemory.Lease lease = reserve(frame.decodeBytes() + 12L * w * h + resampleBytes(w, h), "jpeg")) {
            Raster raster;
            try (Frames reader = new Frames(bytes, "jpeg", budget)) {
                raster = reader.raster(w, h);
            }
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
                    f.dispose() == 1 ? Animation.Dispose.CLEAR : f.dispose() == 2 ? Animation.Dispose.RESTORE : Animation.Dispose.KEEP, f.millis()));
        }
        Summary played = animate(ImageFormat.PNG, w, h, shown, png.channels() * png.bytesPerSample(), frames, budget, sink, bytes.length,
                i -> {
                    PngStructure.Frame f = png.frames().get(i);
                    try (Frames reader = new Frames(PngStructure.frame(bytes, png, f), "png", budget)) {
                        return reader.argb(0, f.width(), f.height());
                    }
                });
        if (png.hiddenDefault()) {
            // Browsers play the frames; viewers without APNG show the default image: both are seen.
            try (DecodeMemory.Lease lease = reserve(stillBytes(w, h, png.channels() * png.bytesPerSample(), bytes.length), "png")) {
                int[] argb;
                try (Frames reader = new Frames(bytes, "png", budget)) {
                    argb = reader.argb(0, w, h);
                }
                emit(ImageFormat.PNG, argb, w, h, View.DEFAULT_IMAGE, shown.size(), budget, sink, new int[argb.length]);
            }
        }
        return played;
    }

    private Summary gif(byte[] bytes, int frames, CpuBudget budget, Consumer<View> sink) {
        GifStructure.Gif gif = GifStructure.read(bytes, limits.maxFrames());
        int w = gif.width();
        int h = gif.height();
        // A first frame reaching past the logical screen widens it (a screen of 0x0 is common); later
        // frames are clipped to it, as browsers clip them.
        GifStructure.Frame first = gif.frames().get(0);
        w = Math.max(w, first.x() + first.width());
        h = Math.max(h, first.y() + first.height());
        List<Animation.Frame> shown = new ArrayList<>();
        for (GifStructure.Frame f : gif.frames()) {
            shown.add(new Animation.Frame(f.x(), f.y(), f.width(), f.height(), true,
                    f.disposal() == 2 ? Animation.Dispose.CLEAR : f.disposal() == 3 ? Animation.Dispose.RESTORE : Animation.Dispose.KEEP, f.millis()));
        }
        checkDimensions(w, h, limits);
        try (Frames reader = new Frames(bytes, "gif", budget)) {
            return animate(ImageFormat.GIF, w, h, shown, 1, frames, budget, sink, 0, i -> {
                GifStructure.Frame f = gif.frames().get(i);
                return reader.argb(i, f.width(), f.height());
            });
        }
    }

    private Summary webp(byte[] bytes, int frames, CpuBudget budget, Consumer<View> sink) {
        WebpStructure.Webp webp = WebpStructure.read(bytes, limits.maxFrames());
        checkDimensions(webp.width(), webp.height(), limits);
        if (webp.frames().isEmpty()) {
            return still(ImageFormat.WEBP, bytes, webp.width(), webp.height(), 8, budget, sink);
        }
        List<Animation.Frame> shown = webp.frames().stream().map(f -> new Animation.Frame(f.x(), f.y(), f.width(), f.height(), f.blend(),
                f.dispose() ? Animation.Dispose.CLEAR : Animation.Dispose.KEEP, f.millis())).toList();
        try (Frames reader = new Frames(bytes, "webp", budget)) {
            // The lossless decoder keeps a temporary raster of its own beside the frame's.
            return animate(ImageFormat.WEBP, webp.width(), webp.height(), shown, 8, frames, budget, sink, 0, i -> {
                WebpStructure.Frame f = webp.frames().get(i);
                return reader.argb(i, f.width(), f.height());
            });
        }
    }

    /** A single image: decoded raster, its ARGB, one composite at a time. */
    private Summary still(ImageFormat format, byte[] bytes, int w, int h, int bytesPerPixel, CpuBudget budget, Consumer<View> sink) {
        checkDimensions(w, h, limits);
        try (DecodeMemory.Lease lease = reserve(stillBytes(w, h, bytesPerPixel, 0), format.label())) {
            int[] argb;
            try (Frames reader = new Frames(bytes, format.label(), budget)) {
                argb = reader.argb(0, w, h);
            }
            emit(format, argb, w, h, 0, 1, budget, sink, new int[argb.length]);
            return new Summary(format.label(), w, h, 1, 1);
        }
    }

    /** A still image's raster, its ARGB, one composite, a copy a caller may keep, the resampler's rows, and {@code extra}. */
    private static long stillBytes(int w, int h, int bytesPerPixel, long extra) {
        return (long) w * h * (bytesPerPixel + 12) + resampleBytes(w, h) + extra;
    }

    private Summary animate(ImageFormat format, int w, int h, List<Animation.Frame> shown, int bytesPerPixel, int frames, CpuBudget budget,
                            Consumer<View> sink, long perFrameCopies, Animation.Source source) {
        long largest = shown.stream().mapToLong(f -> (long) f.width() * f.height()).max().orElse(0);
        // Canvas, saved region, composite, a kept copy; the frame's raster and its ARGB; a frame rebuilt as a file of its own.
        long bytes = 16L * w * h + largest * (bytesPerPixel + 4) + resampleBytes(w, h) + 3 * perFrameCopies;
        try (DecodeMemory.Lease lease = reserve(bytes, format.label())) {
            int[] composite = new int[w * h];
            List<Integer> sampled = Animation.sample(shown, frames);
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

    /**
     * The reader for one format over one file, open for all its frames: a GIF or WebP frame is
     * read where the previous one ended, not from the start again. Each read is checked against
     * the size the headers declared and ends when the CPU budget does.
     */
    private static final class Frames implements AutoCloseable {
        private final ImageReader reader;
        private final ImageInputStream in;
        private final String format;
        private final CpuBudget budget;
        private final AtomicReference<String> warning = new AtomicReference<>();

        Frames(byte[] bytes, String format, CpuBudget budget) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
            if (!readers.hasNext()) {
                throw new ClipGuardException(ErrorCode.IMAGE_UNSUPPORTED_FORMAT, "no reader for " + format);
            }
            this.reader = readers.next();
            this.in = new BytesImageInput(bytes);
            this.format = format;
            this.budget = budget;
            reader.setInput(in, false, true);
            reader.addIIOReadWarningListener((source, message) -> warning.compareAndSet(null, message));
            reader.addIIOReadProgressListener(new AbortOnBudget(budget));
        }

        /** Image {@code index}, as ARGB. */
        int[] argb(int index, int w, int h) {
            return Pixels.argb(checked(reader -> reader.read(index, reader.getDefaultReadParam()), w, h), budget);
        }

        /** Image 0's samples as stored, unconverted (JPEG). */
        Raster raster(int w, int h) {
            return checked(reader -> reader.readRaster(0, reader.getDefaultReadParam()), w, h);
        }

        private <T> T checked(Read<T> read, int w, int h) {
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
        }

        @Override
        public void close() {
            reader.dispose();
            try {
                in.close();
            } catch (IOException e) {
                // nothing held: the bytes are the caller's
            }
        }
    }

    private interface Read<T> {
        T apply(ImageReader reader) throws IOException;
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
