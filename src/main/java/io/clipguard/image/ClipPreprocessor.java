package io.clipguard.image;

/**
 * Turns a decoded image into CLIP's input tensor, as Hugging Face's
 * {@code CLIPImageProcessor} does with Pillow: shortest side to {@code shortest_edge}
 * (longer side {@code int(edge * long / short)}), centre crop (offsets rounded down),
 * rescale, normalise, channels first.
 */
public final class ClipPreprocessor {
    private final PreprocessSpec spec;

    public ClipPreprocessor(PreprocessSpec spec) {
        this.spec = spec;
    }

    public PreprocessSpec spec() {
        return spec;
    }

    /** The CHW float32 tensor for one image, {@code 3 * cropHeight * cropWidth} values. */
    public float[] toTensor(DecodedImage image) {
        return toTensor(image, CpuBudget.unlimited());
    }

    /** The same, within a CPU budget ({@code IMAGE_TOO_COMPLEX} when it is spent). */
    public float[] toTensor(DecodedImage image, CpuBudget budget) {
        int w = image.width();
        int h = image.height();
        int edge = spec.shortestEdge();
        int outW;
        int outH;
        if (w <= h) {
            outW = edge;
            outH = (int) ((double) edge * h / w);
        } else {
            outH = edge;
            outW = (int) ((double) edge * w / h);
        }
        int top = Math.floorDiv(outH - spec.cropHeight(), 2);
        int left = Math.floorDiv(outW - spec.cropWidth(), 2);
        int[] planes = PilResampler.resizeWindow(image.rgb(), w, h, outW, outH, left, top,
                spec.cropWidth(), spec.cropHeight(), spec.resample(), budget);
        int plane = spec.cropWidth() * spec.cropHeight();
        float[] out = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            float scale = (float) spec.rescaleFactor() / spec.std()[c];
            float shift = spec.mean()[c] / spec.std()[c];
            int base = c * plane;
            for (int i = 0; i < plane; i++) {
                out[base + i] = planes[base + i] * scale - shift;
            }
        }
        return out;
    }
}
