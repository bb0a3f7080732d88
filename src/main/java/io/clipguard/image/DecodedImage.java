package io.clipguard.image;

/**
 * An image as packed {@code 0xRRGGBB} sRGB pixels, row-major, upright (EXIF orientation
 * applied), alpha already composited over white.
 *
 * @param format       the container format, e.g. {@code jpeg}
 * @param sourceWidth  width declared by the file (before orientation and reduced decode)
 * @param sourceHeight height declared by the file
 * @param scale        reduced-decode factor: 1 for a full decode, 2, 4 or 8 for reduced
 * @param orientation  EXIF orientation that was applied (1 = none)
 */
public record DecodedImage(int width, int height, int[] rgb, String format, int sourceWidth, int sourceHeight,
                           int scale, int orientation) {

    /** {@code full} or {@code reduced/N}: recorded in audit trails. */
    public String decodePath() {
        return scale == 1 ? "full" : "reduced/" + scale;
    }
}
