package io.clipguard.image;

/**
 * Limits checked before any pixel is decoded, from the byte count and the image header,
 * so that a decompression bomb never allocates its pixels.
 */
public record DecodeLimits(long maxBytes, int maxWidth, int maxHeight, long maxPixels) {

    /** 20 MB, 12,000 px a side, 50 megapixels. */
    public static DecodeLimits defaults() {
        return new DecodeLimits(20L << 20, 12_000, 12_000, 50_000_000L);
    }
}
