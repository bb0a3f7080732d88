package io.clipguard.policy;

import java.util.List;

/**
 * What scoring needs of a model: prompt vectors and the facts a policy is calibrated
 * against. The policy package sees only this, never the engine or ONNX Runtime, so that
 * policies can be validated, diffed and scored with any encoder (the engine in service, a
 * cache in front of it, a fixed table in a test).
 */
public interface PromptEncoder {
    /** The model id policies name in {@code model:}. */
    String modelId();

    /** The embedding dimension policies name in {@code dimension:}. */
    int dimension();

    /** The multiplier of cosines before the softmax. */
    double logitScale();

    /** The model's digest: calibrations are pinned to it. */
    String modelDigest();

    /** The most tokens a text may have (start and end tokens included); longer texts would be cut. */
    int contextLength();

    /** How many tokens {@code text} is, start and end tokens included. */
    int tokenCount(String text);

    /** One L2-normalised vector per label: the label as written, or the ensemble over {@code templates} ("{}" = label). */
    float[][] embedLabels(List<String> labels, List<String> templates);
}
