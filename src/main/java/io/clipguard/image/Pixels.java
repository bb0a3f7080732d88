package io.clipguard.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;

/**
 * Non-premultiplied ARGB from whatever a reader returned, row by row inside the CPU budget
 * (a colour conversion is decode work, and a crafted file may make it slow). Interleaved
 * 8- and 16-bit RGB, RGBA, grey and grey-alpha rasters are read sample by sample, 16-bit
 * samples by their high byte as browsers and Pillow show them; grey is copied without
 * Java2D's linear-grey gamma. Anything else goes through its colour model.
 */
final class Pixels {
    private Pixels() {
    }

    static int[] argb(BufferedImage image, CpuBudget budget) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] out = new int[w * h];
        Raster raster = image.getRaster();
        ColorModel model = image.getColorModel();
        boolean direct = model instanceof ComponentColorModel && raster.getSampleModel() instanceof PixelInterleavedSampleModel
                && (raster.getTransferType() == DataBuffer.TYPE_BYTE || raster.getTransferType() == DataBuffer.TYPE_USHORT)
                && (model.getColorSpace().isCS_sRGB() || model.getColorSpace().getType() == ColorSpace.TYPE_GRAY);
        int bands = raster.getNumBands();
        int shift = raster.getTransferType() == DataBuffer.TYPE_USHORT ? 8 : 0;
        int[] samples = new int[w * bands];
        for (int y = 0; y < h; y++) {
            if ((y & 15) == 0) {
                budget.check();
            }
            if (!direct) {
                image.getRGB(0, y, w, 1, out, y * w, w);
                continue;
            }
            raster.getPixels(0, y, w, 1, samples);
            boolean grey = bands <= 2;
            boolean alpha = model.hasAlpha();
            for (int x = 0, i = 0; x < w; x++, i += bands) {
                int r = samples[i] >> shift;
                int g = grey ? r : samples[i + 1] >> shift;
                int b = grey ? r : samples[i + 2] >> shift;
                int a = alpha ? samples[i + bands - 1] >> shift : 255;
                out[y * w + x] = (a << 24) | (r << 16) | (g << 8) | b;
            }
        }
        return out;
    }

    /** Whether any pixel is not fully opaque. */
    static boolean transparent(int[] argb) {
        for (int p : argb) {
            if (p >>> 24 != 255) {
                return true;
            }
        }
        return false;
    }

    /** {@code argb} composited over an opaque {@code background} (0xRRGGBB), as a page shows it; written into {@code out}. */
    static int[] over(int[] argb, int background, int[] out) {
        int br = (background >> 16) & 0xFF;
        int bg = (background >> 8) & 0xFF;
        int bb = background & 0xFF;
        for (int i = 0; i < argb.length; i++) {
            int p = argb[i];
            int a = p >>> 24;
            if (a == 255) {
                out[i] = p & 0xFFFFFF;
            } else {
                int r = (((p >> 16) & 0xFF) * a + br * (255 - a) + 127) / 255;
                int g = (((p >> 8) & 0xFF) * a + bg * (255 - a) + 127) / 255;
                int b = ((p & 0xFF) * a + bb * (255 - a) + 127) / 255;
                out[i] = (r << 16) | (g << 8) | b;
            }
        }
        return out;
    }
}
