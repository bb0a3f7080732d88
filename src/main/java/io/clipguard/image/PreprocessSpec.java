package io.clipguard.image;

/**
 * CLIP image preprocessing parameters, as Hugging Face's {@code CLIPImageProcessor} reads
 * them from {@code preprocessor_config.json}: resize the shortest side, centre crop,
 * rescale, normalise per channel.
 *
 * @param resample PIL filter code: 1 Lanczos, 2 bilinear, 3 bicubic (CLIP's)
 */
public record PreprocessSpec(int shortestEdge, int cropHeight, int cropWidth, float[] mean, float[] std,
                             double rescaleFactor, int resample) {

    public static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    public static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    public PreprocessSpec {
        if (shortestEdge <= 0 || cropHeight <= 0 || cropWidth <= 0) {
            throw new IllegalArgumentException("sizes must be positive: shortest_edge=" + shortestEdge
                    + " crop=" + cropHeight + "x" + cropWidth);
        }
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("image_mean and image_std need 3 values, found " + mean.length + " and " + std.length);
        }
        if (resample < 1 || resample > 3) {
            throw new IllegalArgumentException("resample " + resample + " is not supported (1 Lanczos, 2 bilinear, 3 bicubic)");
        }
    }

    /** CLIP's defaults: 224, bicubic, OpenAI's mean and std. */
    public static PreprocessSpec clipDefaults() {
        return new PreprocessSpec(224, 224, 224, CLIP_MEAN, CLIP_STD, 1 / 255.0, 3);
    }

    /** Floats per image in the NCHW tensor. */
    public int tensorSize() {
        return 3 * cropHeight * cropWidth;
    }
}
