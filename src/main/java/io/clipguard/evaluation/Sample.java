package io.clipguard.evaluation;

import java.util.Map;

/**
 * One labelled image as the policy scored it.
 *
 * @param label       the category id it shows, or {@code benign}
 * @param probability each category's probability
 * @param outcome     the triggering category, or {@code none}
 */
public record Sample(String image, String label, String group, Map<String, Double> probability, String action, String outcome) {
}
