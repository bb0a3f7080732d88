package io.clipguard.policy;

import java.util.Locale;

/**
 * An upload's nearest entry in one of the policy's banks, within the bank's distance or
 * similarity: what triggers a category that uses the bank, or exempts the upload when the bank
 * is negative.
 *
 * @param distance   PDQ: bits that differ; -1 for an embedding bank
 * @param similarity embedding: cosine with the exemplar; NaN for a PDQ bank
 * @param variant    PDQ: how the upload is turned relative to the entry ({@code ROTATE_90}, ...); null for embeddings
 * @param view       the view of the upload that matched
 */
public record BankHit(Policy.Bank bank, String entry, int distance, double similarity, String variant, int view) {
    /** The match in words: {@code PDQ distance 12 <= 31 (ROTATE_90)} or {@code similarity 0.9312 >= 0.9000}. */
    public String describe() {
        if (bank.kind() == Policy.BankKind.PDQ) {
            return String.format(Locale.ROOT, "PDQ distance %d <= %d%s", distance, bank.maxDistance(),
                    variant == null || variant.equals("ORIGINAL") ? "" : " (" + variant + ")");
        }
        return String.format(Locale.ROOT, "embedding similarity %.4f >= %.4f", similarity, bank.minSimilarity());
    }

    /** Nearer than {@code other} (a smaller distance, a higher similarity). */
    public boolean nearerThan(BankHit other) {
        return bank.kind() == Policy.BankKind.PDQ ? distance < other.distance : similarity > other.similarity;
    }
}
