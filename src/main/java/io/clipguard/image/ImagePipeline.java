package io.clipguard.image;


/**
 * Bytes in, CLIP tensor out: header-first decode (reduced for large JPEGs when enabled),
 * then preprocessing. Keeps only the facts an audit needs, not the pixels.
 */
public final class ImagePipeline {
    private final ImageDecoder decoder;
    private final ClipPreprocessor preprocessor;
    private final boolean reducedDecode;

    /** One prepared image: its tensor and what was decoded. */
    public record Prepared(float[] tensor, int width, int height, String format, String decodePath) {
    }

    private final DecodeLimits limits;

    /** Whether large JPEGs are decoded at reduced scale. */
    public boolean reducedDecode() {
        return reducedDecode;
    }

    public ImagePipeline(DecodeLimits limits, PreprocessSpec spec, boolean reducedDecode) {
        this.limits = limits;
        this.decoder = new ImageDecoder(limits);
        this.preprocessor = new ClipPreprocessor(spec);
        this.reducedDecode = reducedDecode;
    }

    /** Decode + preprocess within the limits' CPU deadline, counted on this thread from now. */
    public Prepared prepare(byte[] bytes) {
        CpuBudget budget = CpuBudget.start(limits.cpuDeadline());
        DecodedImage image = decoder.decode(bytes, reducedDecode ? preprocessor.spec().shortestEdge() : 0, budget);
        return new Prepared(preprocessor.toTensor(image, budget), image.width(), image.height(), image.format(), image.decodePath());
    }
}
