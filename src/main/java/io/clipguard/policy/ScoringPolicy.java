package io.clipguard.policy;

import io.clipguard.clip.ZeroShot;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A policy made ready for one model: every prompt embedded once (the ensemble over the
 * policy's templates), then immutable, so a new version is swapped in whole.
 *
 * <p>Scoring: a category's cosine is its best prompt's cosine with the image; the softmax at
 * the model's logit scale runs over the categories, every category's exclusion prompts and
 * every benign prompt; a category is triggered when its probability reaches its threshold;
 * the action is the most severe triggered action (higher severity first among equals).
 * Otherwise a category within the review band of its threshold sends the content to review;
 * otherwise the default action applies, and allowed content is sampled into review at the
 * policy's rate, deterministically per contentId.
 */
public final class ScoringPolicy {
    private final Policy policy;
    private final String policyHash;
    private final double logitScale;
    private final float[][][] categoryVectors;
    private final float[][] exclusionVectors;
    private final float[][] benignVectors;
    private final String promptsHash;
    private final List<List<String>> embeddedPrompts;

    /** One category's score. */
    public record Score(String category, double cosine, double probability, double threshold, boolean triggered) {
    }

    /** Every prompt vector as a column, with its category (-1 for exclusions and benign), and the thresholds. */
    public record Columns(float[][] vectors, int[] categoryOf, double[] thresholds) {
    }

    /** The verdict for one image. */
    public record Verdict(Policy.Action action, String triggeringCategory, List<Score> scores, String rule) {
    }

    /**
     * @param encoder embeds each prompt list; a cache in front of the model may answer for
     *                lists already embedded (same call, same vectors), so that versions
     *                differing only in thresholds or actions embed nothing
     */
    public ScoringPolicy(Policy policy, PromptEncoder encoder) {
        checkCalibration(policy, encoder);
        this.policy = policy;
        this.policyHash = PolicyFiles.hash(policy);
        this.logitScale = encoder.logitScale();
        this.categoryVectors = new float[policy.categories().size()][][];
        for (int c = 0; c < categoryVectors.length; c++) {
            categoryVectors[c] = encoder.embedLabels(policy.categories().get(c).prompts(), policy.templates());
        }
        List<String> exclusions = policy.categories().stream().flatMap(c -> c.exclusions().stream()).toList();
        this.exclusionVectors = exclusions.isEmpty() ? new float[0][] : encoder.embedLabels(exclusions, policy.templates());
        this.benignVectors = policy.benign().isEmpty() ? new float[0][] : encoder.embedLabels(policy.benign(), policy.templates());
        this.promptsHash = hashVectors();
        this.embeddedPrompts = listEmbeddedPrompts();
    }

    /** Scores one image embedding; {@code contentId} drives the deterministic review sample. */
    public Verdict score(float[] image, String contentId) {
        int n = categoryVectors.length;
        double[] logits = new double[n + exclusionVectors.length + benignVectors.length];
        for (int c = 0; c < n; c++) {
            double best = -1;
            for (float[] prompt : categoryVectors[c]) {
                best = Math.max(best, ZeroShot.cosine(image, prompt));
            }
            logits[c] = best;
        }
        for (int e = 0; e < exclusionVectors.length; e++) {
            logits[n + e] = ZeroShot.cosine(image, exclusionVectors[e]);
        }
        for (int b = 0; b < benignVectors.length; b++) {
            logits[n + exclusionVectors.length + b] = ZeroShot.cosine(image, benignVectors[b]);
        }
        return verdict(logits, ZeroShot.softmax(logits, logitScale), contentId);
    }

    /**
     * The verdict from each category's cosine and probability (indexes 0..categories-1 of
     * the arrays; cosines may be null when only probabilities are known, as in backtests):
     * the same rule whether the probabilities came from {@link #score} or a
     * {@link BulkScorer}.
     */
    public Verdict verdict(double[] cosines, double[] p, String contentId) {
        int n = policy.categories().size();
        List<Score> scores = new ArrayList<>(n);
        Policy.Category fired = null;
        Policy.Category near = null;
        for (int c = 0; c < n; c++) {
            Policy.Category category = policy.categories().get(c);
            boolean triggered = p[c] >= category.threshold();
            scores.add(new Score(category.id(), cosines == null ? Double.NaN : cosines[c], p[c], category.threshold(), triggered));
            if (triggered && (fired == null || moreSevere(category, fired))) {
                fired = category;
            }
            if (!triggered && p[c] >= category.threshold() - policy.reviewBand() && policy.reviewBand() > 0
                    && (near == null || moreSevere(category, near))) {
                near = category;
            }
        }
        if (fired != null) {
            Score s = scores.get(policy.categories().indexOf(fired));
            return new Verdict(fired.action(), fired.id(), scores, String.format("%s: probability %.4f >= threshold %.4f -> %s",
                    fired.id(), s.probability(), s.threshold(), fired.action()));
        }
        if (near != null) {
            Score s = scores.get(policy.categories().indexOf(near));
            return new Verdict(Policy.Action.REVIEW, near.id(), scores, String.format(
                    "%s: probability %.4f within review band %.4f of threshold %.4f -> REVIEW",
                    near.id(), s.probability(), policy.reviewBand(), s.threshold()));
        }
        if (policy.defaultAction() == Policy.Action.ALLOW && sampled(contentId)) {
            return new Verdict(Policy.Action.REVIEW, null, scores, String.format(
                    "no category reached its threshold; random quality sample at rate %.4f -> REVIEW", policy.reviewSampleRate()));
        }
        return new Verdict(policy.defaultAction(), null, scores, "no category reached its threshold -> default " + policy.defaultAction());
    }

    /** The policy as matrix columns, for re-scoring many stored embeddings at once. */
    public Columns columns() {
        List<float[]> vectors = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        for (int c = 0; c < categoryVectors.length; c++) {
            for (float[] v : categoryVectors[c]) {
                vectors.add(v);
                owners.add(c);
            }
        }
        for (float[] v : exclusionVectors) {
            vectors.add(v);
            owners.add(-1);
        }
        for (float[] v : benignVectors) {
            vectors.add(v);
            owners.add(-1);
        }
        double[] thresholds = policy.categories().stream().mapToDouble(Policy.Category::threshold).toArray();
        return new Columns(vectors.toArray(float[][]::new), owners.stream().mapToInt(Integer::intValue).toArray(), thresholds);
    }

    /** Refuses a policy calibrated for another model id or embedding dimension than {@code encoder}'s. */
    public static void checkCalibration(Policy policy, PromptEncoder encoder) {
        if (policy.model() != null && !policy.model().equals(encoder.modelId())) {
            throw mismatch("policy " + policy.id() + " v" + policy.version() + " was calibrated for model '"
                    + policy.model() + "' but the loaded model is '" + encoder.modelId() + "'");
        }
        if (policy.dimension() > 0 && policy.dimension() != encoder.dimension()) {
            throw mismatch("policy " + policy.id() + " v" + policy.version() + " was calibrated for embedding dimension "
                    + policy.dimension() + " but the loaded model gives " + encoder.dimension());
        }
    }

    private static ClipGuardException mismatch(String message) {
        return new ClipGuardException(ErrorCode.POLICY_MODEL_MISMATCH, message, List.of(message));
    }

    private static boolean moreSevere(Policy.Category a, Policy.Category b) {
        int byAction = a.action().compareTo(b.action());
        return byAction > 0 || (byAction == 0 && a.severity() > b.severity());
    }

    /** Deterministic per contentId: the first 8 bytes of sha256(contentId) as a fraction, against the rate. */
    boolean sampled(String contentId) {
        if (policy.reviewSampleRate() <= 0 || contentId == null) {
            return false;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(contentId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            long bits = ByteBuffer.wrap(h).getLong() >>> 11;
            return bits / (double) (1L << 53) < policy.reviewSampleRate();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Policy policy() {
        return policy;
    }

    public String policyHash() {
        return policyHash;
    }

    public double logitScale() {
        return logitScale;
    }

    /** sha256 over every prompt vector, in policy order: proves which vectors scored a decision. */
    public String promptsHash() {
        return promptsHash;
    }

    /** Prompts per category as embedded (templates applied; exclusions after the prompts, marked), then the benign prompts. */
    public List<List<String>> embeddedPrompts() {
        return embeddedPrompts;
    }

    private List<List<String>> listEmbeddedPrompts() {
        List<List<String>> out = new ArrayList<>();
        for (Policy.Category c : policy.categories()) {
            List<String> prompts = new ArrayList<>(applyTemplates(c.prompts()));
            applyTemplates(c.exclusions()).forEach(e -> prompts.add("not: " + e));
            out.add(prompts);
        }
        out.add(applyTemplates(policy.benign()));
        return out.stream().map(List::copyOf).toList();
    }

    private List<String> applyTemplates(List<String> prompts) {
        if (policy.templates().isEmpty()) {
            return prompts;
        }
        List<String> out = new ArrayList<>();
        for (String p : prompts) {
            for (String t : policy.templates()) {
                out.add(t.replace("{}", p));
            }
        }
        return out;
    }

    private String hashVectors() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            List<float[]> all = new ArrayList<>();
            for (float[][] category : categoryVectors) {
                all.addAll(List.of(category));
            }
            all.addAll(List.of(exclusionVectors));
            all.addAll(List.of(benignVectors));
            for (float[] v : all) {
                ByteBuffer b = ByteBuffer.allocate(v.length * 4);
                b.asFloatBuffer().put(v);
                sha.update(b.array());
            }
            return "sha256:" + HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
