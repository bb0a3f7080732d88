package io.clipguard.clip;

/** The model-directory layouts ClipGuard reads. */
public enum ModelLayout {
    /** Hugging Face / Optimum: {@code vision_model.onnx} + {@code text_model.onnx}, at the root or under {@code onnx/}. */
    SEPARATE_TOWERS,
    /** One {@code model.onnx} taking pixels and text, giving {@code image_embeds} and {@code text_embeds}. */
    COMBINED,
    /** open_clip: {@code visual.onnx} + {@code textual.onnx}. */
    OPEN_CLIP
}
