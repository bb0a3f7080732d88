package io.clipguard.image;

import io.clipguard.config.ClipGuardConfig;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Limits on one image, checked before any pixel is decoded (from the byte count and the
 * file's headers, so that a decompression bomb never allocates its pixels), and the CPU time
 * its decode and preprocessing may take.
 *
 * @param maxFrames   animations with more frames are refused
 * @param frames      instants of an animation scored (evenly over its running time; the longest frame too)
 * @param maxMemory   bytes one decode may allocate, estimated from the headers (pixels at their
 *                    depth, frames, conversions) before it starts
 * @param formats     accepted formats, by magic bytes
 * @param cpuDeadline CPU time for decode + preprocess of one image
 */
public record DecodeLimits(long maxBytes, int maxWidth, int maxHeight, long maxPixels, int maxFrames, int frames, long maxMemory,
                           Set<ImageFormat> formats, Duration cpuDeadline) {

    public DecodeLimits {
        formats = Set.copyOf(formats);
        if (frames < 1) {
            throw new IllegalArgumentException("decode.frames must be at least 1");
        }
    }

    /** The limits of {@code clipguard.decode.*}. */
    public static DecodeLimits from(ClipGuardConfig.Decode d) {
        Set<ImageFormat> formats = EnumSet.noneOf(ImageFormat.class);
        d.formats().forEach(f -> formats.add(ImageFormat.of(f)));
        return new DecodeLimits(d.maxBytes(), d.maxWidth(), d.maxHeight(), d.maxPixels(), d.maxFrames(), d.frames(), d.maxMemory(), formats,
                d.cpuDeadline());
    }

    /** 20 MB, 12,000 px a side, 50 megapixels, 500 frames (4 scored), 384 MiB, JPEG/PNG/GIF/WebP, 3 s of CPU. */
    public static DecodeLimits defaults() {
        return new DecodeLimits(20L << 20, 12_000, 12_000, 50_000_000L, 500, 4, 384L << 20, ImageFormat.DEFAULT_ALLOWED, Duration.ofSeconds(3));
    }

    /** The same limits with other byte, side and pixel caps. */
    public DecodeLimits withSize(long maxBytes, int maxWidth, int maxHeight, long maxPixels) {
        return new DecodeLimits(maxBytes, maxWidth, maxHeight, maxPixels, maxFrames, frames, maxMemory, formats, cpuDeadline);
    }

    /** The same limits with another frame limit. */
    public DecodeLimits withMaxFrames(int maxFrames) {
        return new DecodeLimits(maxBytes, maxWidth, maxHeight, maxPixels, maxFrames, frames, maxMemory, formats, cpuDeadline);
    }

    /** The same limits accepting these formats. */
    public DecodeLimits withFormats(Set<ImageFormat> formats) {
        return new DecodeLimits(maxBytes, maxWidth, maxHeight, maxPixels, maxFrames, frames, maxMemory, formats, cpuDeadline);
    }

    /** The same limits with another per-image memory cap. */
    public DecodeLimits withMaxMemory(long maxMemory) {
        return new DecodeLimits(maxBytes, maxWidth, maxHeight, maxPixels, maxFrames, frames, maxMemory, formats, cpuDeadline);
    }
}
