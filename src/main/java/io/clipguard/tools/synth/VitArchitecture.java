package io.clipguard.tools.synth;

/** Tensor shapes of a CLIP ViT: the vision and text towers and the shared projection. */
public record VitArchitecture(String name, int imageSize, int patchSize, int visionWidth, int visionLayers, int visionHeads,
                              int context, int vocab, int textWidth, int textLayers, int textHeads, int projection) {

    /** OpenAI CLIP ViT-B/32 (openai/clip-vit-base-patch32). */
    public static final VitArchitecture VIT_B_32 =
            new VitArchitecture("ViT-B/32", 224, 32, 768, 12, 12, 77, 49408, 512, 12, 8, 512);

    public static VitArchitecture named(String name) {
        if (VIT_B_32.name().equalsIgnoreCase(name)) {
            return VIT_B_32;
        }
        throw new IllegalArgumentException("unknown architecture '" + name + "' (supported: ViT-B/32)");
    }

    public int patchesPerSide() {
        return imageSize / patchSize;
    }

    /** Patch tokens plus the class token. */
    public int visionTokens() {
        return patchesPerSide() * patchesPerSide() + 1;
    }
}
