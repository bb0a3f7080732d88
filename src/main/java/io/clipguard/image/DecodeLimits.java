package io.clipguard.image;

import io.clipguard.config.ClipGuardConfig;
import java.time.Duration;

/**
 * Limits on one image, checked before any pixel is decoded (from the byte count and the
 * file's headers, so that a decompression bomb never allocates its pixels), and the CPU time
 * its decode and preprocessing may take.
 *
 * @param maxFrames   animations with more frames are refused (the first frame is scored)
 * @param cpuDeadline CPU time for decode + preprocess of one image
 */
public record DecodeLimits(long maxBytes, int maxWidth, int maxHeight, long maxPixels, int maxFrames, Duration cpuDeadline) {

    /** The limits of {@code clipguard.decode.*}. */
    public static DecodeLimits from(ClipGuardConfig.Decode d) {
        return new DecodeLimits(d.maxBytes(), d.maxWidth(), d.maxHeight(), d.maxPixels(), d.maxFrames(), d.cpuDeadline());
    }

    /** 20 MB, 12,000 px a side, 50 megapixels, 500 frames, 3 s of CPU. */
    public static DecodeLimits defaults() {
        return new DecodeLimits(20L << 20, 12_000, 12_000, 50_000_000L, 500, Duration.ofSeconds(3));
    }
}
