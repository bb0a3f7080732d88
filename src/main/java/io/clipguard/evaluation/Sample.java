package io.clipguard.evaluation;

import java.util.Map;

/**
 * One labelled image as the policy scored it.
 *
 * @param label       the category id it shows, or {@code benign}
 * @param attributes  what it is grouped by in the bias audit (attribute to value), possibly none
 * @param probability each category's probability
 * @param margin      each category's margin over its competitors (schema 2), the input of calibration; empty under schema 1
 * @param outcome     the category that triggered, or {@code none} (a review-band near miss is none, as in the per-category counts)
 * @param weight      how many decisions of the traffic it stands for: 1 for a labelled folder, the inverse of its inclusion
 *                    probability for a reviewed decision (Horvitz-Thompson)
 */
public record Sample(String image, String label, Map<String, String> attributes, Map<String, Double> probability,
                     Map<String, Double> margin, String action, String outcome, double weight) {

    /** Whether it shows category {@code id}. */
    public boolean is(String id) {
        return label.equals(id);
    }

    /** The same image with other probabilities (a calibration applied). */
    public Sample withProbability(Map<String, Double> p) {
        return new Sample(image, label, attributes, p, margin, action, outcome, weight);
    }
}
