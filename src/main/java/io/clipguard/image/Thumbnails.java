package io.clipguard.image;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/**
 * Small JPEG renditions for the dashboard, made on request from the upload itself and never
 * stored. Decoding goes through the same limits and CPU deadline as moderation (the upload is
 * untrusted), reduced to about the thumbnail's size when the format allows.
 */
public final class Thumbnails {
    private final ImageDecoder decoder;
    private final DecodeLimits limits;

    public Thumbnails(DecodeLimits limits) {
        this.decoder = new ImageDecoder(limits);
        this.limits = limits;
    }

    /** A JPEG whose longer side is at most {@code maxSide} pixels. */
    public byte[] render(byte[] image, int maxSide) {
        DecodedImage d = decoder.decode(image, maxSide, CpuBudget.start(limits.cpuDeadline()));
        BufferedImage source = new BufferedImage(d.width(), d.height(), BufferedImage.TYPE_INT_RGB);
        source.setRGB(0, 0, d.width(), d.height(), d.rgb(), 0, d.width());
        double scale = Math.min(1.0, (double) maxSide / Math.max(d.width(), d.height()));
        int w = Math.max(1, (int) Math.round(d.width() * scale));
        int h = Math.max(1, (int) Math.round(d.height() * scale));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(source, 0, 0, w, h, null);
        g.dispose();
        return ImageEncoding.jpeg(out, 0.8f);
    }
}
