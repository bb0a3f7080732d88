package io.clipguard.image;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;

/**
 * How a JPEG's components become the colours a viewer sees, by libjpeg-turbo's rules (what
 * Chromium and Pillow use): which colour space the components are in, and the integer
 * arithmetic of the conversion. The components themselves come from a decoder that converts
 * nothing; deciding here, once, is what keeps both of ClipGuard's decode paths on the
 * viewer's reading of a file that carries conflicting markers.
 *
 * <p>The colour space, as {@code jdapimin.c} chooses it: one component is grey; three are
 * YCbCr when a JFIF marker is present (JFIF wins over an Adobe marker), else as an Adobe
 * marker's transform says (0 RGB, otherwise YCbCr), else RGB when the component ids are
 * 'R', 'G', 'B' and YCbCr otherwise; four are CMYK or, with an Adobe transform other than 0,
 * YCCK. CMYK is stored inverted (Adobe's convention, which Pillow and Chromium both assume)
 * and shown as Pillow shows it: {@code R = K - K * (255 - C) / 255}.
 */
enum JpegColour {
    GREY, YCBCR, RGB, CMYK, YCCK;

    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    /** The colour space libjpeg-turbo decides on for these markers and component ids. */
    static JpegColour of(int components, boolean jfif, int adobeTransform, int[] ids) {
        return switch (components) {
            case 1 -> GREY;
            case 3 -> {
                if (jfif) {
                    yield YCBCR;
                }
                if (adobeTransform >= 0) {
                    yield adobeTransform == 0 ? RGB : YCBCR;
                }
                yield ids[0] == 'R' && ids[1] == 'G' && ids[2] == 'B' ? RGB : YCBCR;
            }
            case 4 -> adobeTransform >= 0 && adobeTransform != 0 ? YCCK : CMYK;
            default -> throw new ClipGuardException(ErrorCode.IMAGE_UNSUPPORTED_FORMAT, "jpeg with " + components
                    + " components has no colour space a viewer shows");
        };
    }

    /** One pixel's packed 0xRRGGBB from its components {@code a..d} (unused ones ignored). */
    int rgb(int a, int b, int c, int d) {
        return switch (this) {
            case GREY -> (a << 16) | (a << 8) | a;
            case RGB -> (a << 16) | (b << 8) | c;
            case YCBCR -> ycc(a, b, c);
            case CMYK -> (shade(a, d) << 16) | (shade(b, d) << 8) | shade(c, d);
            case YCCK -> {
                int rgb = ycc(a, b, c);
                // libjpeg makes CMYK of it (255 - R, ...); shown inverted as above.
                yield (shade(255 - ((rgb >> 16) & 0xFF), d) << 16) | (shade(255 - ((rgb >> 8) & 0xFF), d) << 8) | shade(255 - (rgb & 0xFF), d);
            }
        };
    }

    private static int ycc(int y, int cb, int cr) {
        int r = clamp(y + CR_R[cr]);
        int g = clamp(y + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
        int b = clamp(y + CB_B[cb]);
        return (r << 16) | (g << 8) | b;
    }

    /** Pillow's CMYK;I to RGB for one channel: the stored (inverted) ink {@code c} under the stored black {@code k}. */
    private static int shade(int c, int k) {
        int tmp = (255 - c) * k + 128;
        return clamp(k - (((tmp >> 8) + tmp) >> 8));
    }

    private static int fix(double x) {
        return (int) (x * (1 << SCALEBITS) + 0.5);
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
