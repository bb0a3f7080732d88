package io.clipguard.evaluation;

import io.clipguard.clip.ClipEngine;
import io.clipguard.error.ClipGuardException;
import io.clipguard.image.ImagePipeline;
import io.clipguard.policy.ScoringPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a labelled sample exactly as the service scores uploads: the same decoding and
 * preprocessing, the model in batches, the policy's own scoring (probabilities, thresholds,
 * exclusions, benign prompts). Images that cannot be decoded are reported, not scored.
 */
public final class SampleScorer {
    private static final int BATCH = 32;

    /** The scored samples and the images skipped, with why. */
    public record Scored(List<Sample> samples, Map<String, String> skipped) {
    }

    private SampleScorer() {
    }

    public static Scored score(LabelledImages images, ClipEngine engine, ImagePipeline pipeline, ScoringPolicy policy) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        List<LabelledImages.Item> batch = new ArrayList<>();
        List<List<float[]>> tensors = new ArrayList<>();
        for (LabelledImages.Item item : images.items()) {
            try {
                // Every view the service scores (an animation's frames, a transparent image on two backgrounds).
                tensors.add(pipeline.prepare(Files.readAllBytes(item.file())).tensors());
                batch.add(item);
            } catch (ClipGuardException e) {
                skipped.put(item.relative(), e.code() + ": " + e.getMessage());
            } catch (IOException e) {
                skipped.put(item.relative(), "FILE_UNREADABLE: " + e.getMessage());
            }
            if (batch.size() == BATCH) {
                flush(batch, tensors, engine, policy, samples);
            }
        }
        flush(batch, tensors, engine, policy, samples);
        return new Scored(samples, skipped);
    }

    /**
     * Samples from stored embeddings (reviewed uploads): {@code labels} maps each content id to
     * its label ({@code benign} or a category id), {@code attributes} to what it is grouped by
     * (its tenant), {@code weights} to the decisions it stands for (the inverse of its inclusion
     * probability).
     */
    public static Scored scoreVectors(Map<String, float[]> vectors, Map<String, String> labels, Map<String, Map<String, String>> attributes,
                                      Map<String, Double> weights, ScoringPolicy policy) {
        List<Sample> samples = new ArrayList<>();
        vectors.forEach((id, vector) -> samples.add(sample(id, labels.get(id), attributes.getOrDefault(id, Map.of()), weights.getOrDefault(id, 1.0),
                policy.score(vector, id))));
        return new Scored(samples, new LinkedHashMap<>());
    }

    private static void flush(List<LabelledImages.Item> batch, List<List<float[]>> tensors, ClipEngine engine, ScoringPolicy policy,
                              List<Sample> samples) {
        if (batch.isEmpty()) {
            return;
        }
        float[][] vectors = engine.embedImages(tensors.stream().flatMap(List::stream).toList());
        int at = 0;
        for (int i = 0; i < batch.size(); i++) {
            LabelledImages.Item item = batch.get(i);
            List<float[]> views = new ArrayList<>();
            for (int v = 0; v < tensors.get(i).size(); v++) {
                views.add(vectors[at++]);
            }
            // The relative path as content id: the review sample (if the policy has one) is then stable per image.
            samples.add(sample(item.relative(), item.label(), item.attributes(), 1.0, policy.score(views, item.relative()).verdict()));
        }
        batch.clear();
        tensors.clear();
    }

    /** One scored image: probabilities and margins by category; its outcome is the category that triggered, else none. */
    static Sample sample(String image, String label, Map<String, String> attributes, double weight, ScoringPolicy.Verdict v) {
        Map<String, Double> p = new LinkedHashMap<>();
        Map<String, Double> margin = new LinkedHashMap<>();
        String outcome = "none";
        for (ScoringPolicy.Score s : v.scores()) {
            p.put(s.category(), s.probability());
            if (!Double.isNaN(s.margin())) {
                margin.put(s.category(), s.margin());
            }
            if (s.category().equals(v.triggeringCategory()) && s.triggered()) {
                outcome = s.category();
            }
        }
        return new Sample(image, label, attributes, p, margin, v.action().name(), outcome, weight);
    }
}
