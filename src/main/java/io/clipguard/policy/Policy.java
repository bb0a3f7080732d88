package io.clipguard.policy;

import java.util.List;

/**
 * A moderation policy as written in {@code policies/*.yaml} and described by
 * {@code schemas/policy.schema.json}: categories described by text prompts, benign prompts
 * that compete with them, and what to do when none triggers.
 *
 * @param model            the model id the thresholds were calibrated for, or null
 * @param dimension        the embedding dimension calibrated for (when no model id), or 0
 * @param templates        prompt templates with {@code {}}; empty = prompts as written
 * @param reviewBand       probabilities this close below a threshold go to review
 * @param reviewSampleRate fraction of allowed content sent to review, by contentId
 */
public record Policy(String id, int version, String description, String model, int dimension, List<String> templates,
                     List<Category> categories, List<String> benign, Action defaultAction, double reviewBand,
                     double reviewSampleRate) {

    /** The same document under another version number (versions are assigned by the policy catalog). */
    public Policy withVersion(int newVersion) {
        return new Policy(id, newVersion, description, model, dimension, templates, categories, benign, defaultAction, reviewBand,
                reviewSampleRate);
    }

    /** What a decision asks the platform to do, least to most severe. */
    public enum Action {
        ALLOW, REVIEW, BLOCK
    }

    /**
     * One category: triggered when its probability reaches the threshold.
     *
     * @param exclusions look-alikes that compete with the category in the softmax
     * @param severity   1 (low) to 5 (critical): orders categories with the same action
     */
    public record Category(String id, String name, int severity, List<String> prompts, List<String> exclusions,
                           double threshold, Action action) {
    }
}
