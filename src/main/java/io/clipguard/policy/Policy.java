package io.clipguard.policy;

import java.time.Instant;
import java.util.List;

/**
 * A moderation policy as written in {@code policies/*.yaml} and described by
 * {@code schemas/policy.schema.json}: categories described by text prompts, benign prompts
 * that compete with them, and what to do when none triggers.
 *
 * <p>Two scoring rules, chosen by {@code schemaVersion} (docs/trust-and-safety.md, Scoring):
 * 1, one softmax over every category, exclusion and benign prompt (categories compete, kept so
 * that versions written before schema 2 score and explain as they did); 2, each category on its
 * own against its exclusions and the benign prompts, optionally calibrated.
 *
 * @param schemaVersion    1 (shared softmax, the default for documents that do not say) or 2 (independent categories)
 * @param model            the model id the thresholds were set for, or null
 * @param dimension        the embedding dimension set for (when no model id), or 0
 * @param templates        prompt templates with {@code {}}; empty = prompts as written
 * @param reviewBand       probabilities this close below a threshold go to review
 * @param reviewSampleRate fraction of allowed content sent to review, by contentId
 * @param blockSampleRate  fraction of blocked content also queued for review (the block stands), by contentId
 * @param calibration      what the categories' calibrations were fitted on (schema 2), or null when uncalibrated
 * @param banks            banks of known content the categories may use (entries on the banks topic), empty when none
 */
public record Policy(int schemaVersion, String id, int version, String description, String model, int dimension, List<String> templates,
                     List<Category> categories, List<String> benign, Action defaultAction, double reviewBand,
                     double reviewSampleRate, double blockSampleRate, Calibration calibration, List<Bank> banks) {

    /** Categories scored each on its own (schema 2). */
    public boolean independent() {
        return schemaVersion >= 2;
    }

    /** The same document under another version number (versions are assigned by the policy catalog). */
    public Policy withVersion(int newVersion) {
        return new Policy(schemaVersion, id, newVersion, description, model, dimension, templates, categories, benign, defaultAction, reviewBand,
                reviewSampleRate, blockSampleRate, calibration, banks);
    }

    /** The bank declared as {@code id}, or null. */
    public Bank bank(String bankId) {
        return banks.stream().filter(b -> b.id().equals(bankId)).findFirst().orElse(null);
    }

    /** What a decision asks the platform to do, least to most severe. */
    public enum Action {
        ALLOW, REVIEW, BLOCK
    }

    /**
     * One category: triggered when its probability reaches the threshold.
     *
     * @param exclusions  look-alikes that compete with the category
     * @param severity    1 (low) to 5 (critical): orders categories with the same action
     * @param calibration the category's fitted calibration, or null (its probabilities are then uncalibrated)
     * @param bank        a bank whose match triggers the category (as its prompts may), or null
     */
    public record Category(String id, String name, int severity, List<String> prompts, List<String> exclusions,
                           double threshold, Action action, CategoryCalibration calibration, String bank) {
    }

    /**
     * A bank of known content: PDQ hashes matched within {@code maxDistance} bits (against all
     * eight turns and flips of the upload), or exemplar embeddings matched at cosine
     * {@code minSimilarity} or more. A negative bank's match exempts the upload from every
     * category (known-benign near-duplicates that keep false-triggering).
     */
    public record Bank(String id, BankKind kind, int maxDistance, double minSimilarity, boolean negative) {
    }

    /** How a bank's entries are matched. */
    public enum BankKind {
        PDQ, EMBEDDING
    }

    /**
     * What a policy's calibrations were fitted on: the pins an instance checks before it scores
     * with them (another model digest or logit scale, and the calibration does not apply).
     *
     * @param method   {@code isotonic}: a non-decreasing curve on the category's margin
     * @param source   {@code labels} or {@code verdicts}
     */
    public record Calibration(String method, String modelDigest, double logitScale, Instant fittedAt, String source) {
    }

    /**
     * One category's calibration: its margin (its logit over the log-sum-exp of its competitors')
     * mapped to a probability by {@code curve}.
     *
     * @param promptsHash the category's prompt vectors (prompts, exclusions, benign) it was fitted with
     */
    public record CategoryCalibration(CalibrationCurve curve, String promptsHash, int positives, int negatives) {
    }
}
