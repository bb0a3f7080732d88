package io.clipguard.policy;

import java.util.List;

/**
 * A moderation policy as written in {@code policies/*.yaml}: categories described by text
 * prompts, benign prompts that compete with them, and the default action.
 *
 * @param model     the model the thresholds were calibrated for (id), or null
 * @param templates prompt templates with {@code {}} for the prompt; empty = prompts as written
 */
public record Policy(String id, int version, String description, String model, List<String> templates,
                     List<Category> categories, List<String> benign, Action defaultAction) {

    /** What a decision asks the platform to do, least to most severe. */
    public enum Action {
        ALLOW, REVIEW, BLOCK
    }

    /** One category: triggered when its probability reaches the threshold. */
    public record Category(String id, String name, List<String> prompts, double threshold, Action action) {
    }
}
