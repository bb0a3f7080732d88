package io.clipguard.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The policy document a calibration proposes: schema 2 (independent categories), the pins it
 * was fitted with (model digest, logit scale, date, source), and for each category whose target
 * the labels support its calibration (the curve's points, the hash of its prompt vectors, the
 * labels' counts) and its threshold on the calibrated scale. Other categories are left as they
 * were. Comments are not kept: the draft's reason records where the numbers came from.
 */
public final class CalibrationDraft {
    /**
     * @param promptsHashes per category id, the hash of the prompt vectors it was scored with
     * @param source        {@code labels} or {@code verdicts}
     */
    public record Pins(String modelDigest, double logitScale, Instant fittedAt, String source, Map<String, String> promptsHashes) {
    }

    private CalibrationDraft() {
    }

    public static String yaml(String policyYaml, List<Calibration.Result> results, Pins pins) {
        try {
            ObjectMapper yaml = new ObjectMapper(YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build());
            ObjectNode root = (ObjectNode) yaml.readTree(policyYaml);
            // Calibrations fitted on another model (or none, before schema 2) cannot stand beside the new pins.
            boolean reset = root.path("schemaVersion").asInt(1) < 2
                    || !pins.modelDigest().equals(root.path("calibration").path("modelDigest").asText())
                    || Math.abs(pins.logitScale() - root.path("calibration").path("logitScale").asDouble()) > 1e-9;
            root.put("schemaVersion", 2);
            for (JsonNode node : root.path("categories")) {
                ObjectNode category = (ObjectNode) node;
                if (reset) {
                    category.remove("calibration");
                }
                for (Calibration.Result r : results) {
                    if (r.supported() && r.category().equals(category.path("id").asText())) {
                        category.put("threshold", r.threshold());
                        ObjectNode k = category.putObject("calibration");
                        var points = k.putArray("points");
                        for (double[] point : r.curve().points()) {
                            points.addArray().add(point[0]).add(Calibration.written(point[1]));
                        }
                        k.put("promptsHash", pins.promptsHashes().get(r.category()));
                        k.put("positives", Math.round(r.positives()));
                        k.put("negatives", Math.round(r.negatives()));
                    }
                }
            }
            boolean anyCalibrated = false;
            for (JsonNode node : root.path("categories")) {
                anyCalibrated |= node.has("calibration");
            }
            if (anyCalibrated) {
                ObjectNode k = root.putObject("calibration");
                k.put("method", "isotonic");
                k.put("modelDigest", pins.modelDigest());
                k.put("logitScale", pins.logitScale());
                k.put("fittedAt", pins.fittedAt().toString());
                k.put("source", pins.source());
            } else {
                root.remove("calibration");
            }
            return yaml.writeValueAsString(root);
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, "cannot rewrite the policy: " + e.getMessage());
        }
    }

    /** One line per category, for a draft's reason and the console. */
    public static String summary(int images, List<Calibration.Result> results) {
        StringBuilder s = new StringBuilder("calibrated on " + images + " labelled images (95 % bounds):");
        for (Calibration.Result r : results) {
            s.append(String.format(Locale.ROOT, " %s %s;", r.category(), r.supported() ? String.format(Locale.ROOT,
                    "%.4g -> %.4g, precision %.2f (>= %.2f), recall %.2f (>= %.2f)", r.oldThreshold(), r.threshold(), r.precision().value(),
                    r.precision().bound(), r.recall().value(), r.recall().bound()) : "unchanged (" + r.target() + " not supported)"));
        }
        // The policy API takes reasons of up to 2,000 characters; the report has every number.
        return s.length() <= 1900 ? s.toString() : s.substring(0, 1880) + "... (see the report)";
    }
}
