package io.clipguard.image;

import io.clipguard.pdq.PdqHasher;
import java.util.ArrayList;
import java.util.List;

/**
 * Bytes in, CLIP tensors out: every view a viewer may see of the upload (the sampled frames of
 * an animation, each over white and black when transparent) decoded and preprocessed within
 * one CPU budget, and each view's PDQ hash for bank matching (from the same pixels, so a bank
 * sees what a viewer sees). Keeps only the facts an audit needs, not the pixels.
 */
public final class ImagePipeline {
    private final ImageDecoder decoder;
    private final ClipPreprocessor preprocessor;
    private final boolean reducedDecode;
    private final DecodeLimits limits;

    /**
     * One prepared upload: a tensor per view with its label ({@code still}, {@code frame 2 of 9 on
     * black}), and what was decoded (the first view's upright size).
     */
    public record Prepared(List<float[]> tensors, List<String> views, int width, int height, String format, String decodePath, int frames,
                           List<PdqHasher.Result> hashes) {
        /** The first view's tensor (tools that score one picture per file). */
        public float[] tensor() {
            return tensors.get(0);
        }
    }

    public ImagePipeline(DecodeLimits limits, PreprocessSpec spec, boolean reducedDecode) {
        this.limits = limits;
        this.decoder = new ImageDecoder(limits);
        this.preprocessor = new ClipPreprocessor(spec);
        this.reducedDecode = reducedDecode;
    }

    /** Whether large JPEGs are decoded at reduced scale. */
    public boolean reducedDecode() {
        return reducedDecode;
    }

    /** Decode + preprocess within the limits' CPU deadline, counted on this thread from now. */
    public Prepared prepare(byte[] bytes) {
        CpuBudget budget = CpuBudget.start(limits.cpuDeadline());
        List<float[]> tensors = new ArrayList<>();
        List<String> views = new ArrayList<>();
        List<PdqHasher.Result> hashes = new ArrayList<>();
        int[] size = new int[2];
        ImageDecoder.Summary s = decoder.read(bytes, reducedDecode ? preprocessor.spec().shortestEdge() : 0, limits.frames(), budget, v -> {
            if (tensors.isEmpty()) {
                size[0] = v.image().width();
                size[1] = v.image().height();
            }
            tensors.add(preprocessor.toTensor(v.image(), budget));
            views.add(v.label());
            budget.check();
            hashes.add(PdqHasher.hash(v.image().rgb(), v.image().width(), v.image().height()));
        });
        return new Prepared(List.copyOf(tensors), List.copyOf(views), size[0], size[1], s.format(), s.decodePath(), s.frames(),
                List.copyOf(hashes));
    }
}
