package io.clipguard.policy;

import io.clipguard.clip.ZeroShot;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * A policy made ready for one model: every prompt embedded once (the ensemble over the
 * policy's templates), then immutable, so a new version is swapped in whole.
 *
 * <p>Scoring (docs/trust-and-safety.md, Scoring). A category's cosine is its best prompt's cosine
 * with the image. Schema 2 scores each category on its own: its logit (the cosine times the
 * model's logit scale) against the log-sum-exp of its competitors' logits (its exclusions and the
 * policy's benign prompts, never another category), which gives its margin; its probability is
 * the margin's calibration curve, or (uncalibrated) the logistic of the margin. Adding,
 * removing or editing one category therefore never moves another's probability. Schema 1 (kept
 * for versions written before it) puts every category, exclusion and benign prompt in one
 * softmax. A category is triggered when its probability reaches its threshold; the action is the
 * most severe triggered action (higher severity first among equals). Otherwise a category within
 * the review band of its threshold sends the content to review; otherwise the default action
 * applies. Allowed content is sampled into review at {@code reviewSampleRate}, blocked content at
 * {@code blockSampleRate}, deterministically per contentId; every decision queued for review
 * says why and with what probability it was chosen, so reviewers' verdicts can be weighted back
 * to the traffic they came from.
 */
public final class ScoringPolicy {
    private final Policy policy;
    private final String policyHash;
    private final double logitScale;
    private final float[][][] categoryVectors;
    private final float[][][] exclusionVectors;
    private final float[][] benignVectors;
    private final String promptsHash;
    private final String[] categoryPromptsHashes;
    private final CalibrationCurve[] curves;
    private final String uncalibratedBecause;
    private final List<List<String>> embeddedPrompts;

    /** What to do with a calibration fitted on another model, logit scale or prompt set. */
    public enum Mismatch {
        /** Refuse the version ({@code POLICY_MODEL_MISMATCH}): the instance keeps the version it has. */
        REFUSE,
        /** Score the version uncalibrated (its thresholds on raw scores) and say so. */
        UNCALIBRATED
    }

    /** One category's score; {@code margin} is NaN under schema 1 and when only probabilities are known. */
    public record Score(String category, double cosine, double margin, double probability, double threshold, boolean triggered,
                        boolean calibrated) {
    }

    /** Why a decision was queued for review, and the probability that a decision like it is. */
    public record Review(Reason reason, double probability) {
        /** The reasons a decision is queued for review. */
        public enum Reason {
            /** A triggered category's action is review. */
            ACTION,
            /** A category within the review band of its threshold. */
            BAND,
            /** The random quality sample of allowed content. */
            SAMPLE,
            /** The random quality sample of blocked content (the block stands). */
            BLOCK_SAMPLE,
            /** The policy's default action is review. */
            DEFAULT
        }
    }

    /**
     * Every prompt vector as a column for re-scoring many embeddings at once: {@code categoryOf}
     * names the category of each prompt column (-1 otherwise), {@code exclusionOf} the category
     * of each exclusion column (-1 otherwise); benign columns are -1 in both. Under schema 2 the
     * columns give margins, which {@link #probability} turns into probabilities.
     */
    public record Columns(float[][] vectors, int[] categoryOf, int[] exclusionOf, double[] thresholds, boolean independent) {
    }

    /** The verdict for one image; {@code review} is null unless the decision is queued for review. */
    public record Verdict(Policy.Action action, String triggeringCategory, List<Score> scores, String rule, Review review) {
    }

    /** Prepared with calibration pins enforced ({@link Mismatch#REFUSE}). */
    public ScoringPolicy(Policy policy, PromptEncoder encoder) {
        this(policy, encoder, Mismatch.REFUSE);
    }

    /**
     * @param encoder embeds each prompt list; a cache in front of the model may answer for
     *                lists already embedded (same call, same vectors), so that versions
     *                differing only in thresholds or actions embed nothing
     */
    public ScoringPolicy(Policy policy, PromptEncoder encoder, Mismatch onMismatch) {
        check(policy, encoder);
        this.policy = policy;
        this.policyHash = PolicyFiles.hash(policy);
        this.logitScale = encoder.logitScale();
        int n = policy.categories().size();
        this.categoryVectors = new float[n][][];
        this.exclusionVectors = new float[n][][];
        for (int c = 0; c < n; c++) {
            Policy.Category category = policy.categories().get(c);
            categoryVectors[c] = encoder.embedLabels(category.prompts(), policy.templates());
            exclusionVectors[c] = category.exclusions().isEmpty() ? new float[0][] : encoder.embedLabels(category.exclusions(), policy.templates());
        }
        this.benignVectors = policy.benign().isEmpty() ? new float[0][] : encoder.embedLabels(policy.benign(), policy.templates());
        this.promptsHash = hash(all());
        this.categoryPromptsHashes = new String[n];
        for (int c = 0; c < n; c++) {
            List<float[]> own = new ArrayList<>(List.of(categoryVectors[c]));
            own.addAll(List.of(exclusionVectors[c]));
            own.addAll(List.of(benignVectors));
            categoryPromptsHashes[c] = hash(own);
        }
        this.curves = new CalibrationCurve[n];
        this.uncalibratedBecause = applyCalibration(encoder, onMismatch);
        this.embeddedPrompts = listEmbeddedPrompts();
    }

    /** Fills the calibration of each category, or says why it was set aside. */
    private String applyCalibration(PromptEncoder encoder, Mismatch onMismatch) {
        Policy.Calibration pins = policy.calibration();
        if (pins == null) {
            return null;
        }
        String mismatch = null;
        if (!pins.modelDigest().equals(encoder.modelDigest())) {
            mismatch = "calibrated with model " + pins.modelDigest() + "; the loaded model is " + encoder.modelDigest();
        } else if (Math.abs(pins.logitScale() - logitScale) > 1e-6 * Math.max(1, logitScale)) {
            mismatch = "calibrated at logit scale " + pins.logitScale() + "; the loaded model's is " + logitScale;
        }
        for (int c = 0; c < curves.length && mismatch == null; c++) {
            Policy.CategoryCalibration k = policy.categories().get(c).calibration();
            if (k != null && !k.promptsHash().equals(categoryPromptsHashes[c])) {
                mismatch = "category " + policy.categories().get(c).id() + " was calibrated with other prompt vectors (" + k.promptsHash()
                        + "; now " + categoryPromptsHashes[c] + "): recalibrate after editing its prompts, its exclusions or the benign prompts";
            }
        }
        if (mismatch != null) {
            if (onMismatch == Mismatch.REFUSE) {
                throw mismatch("policy " + policy.id() + " v" + policy.version() + " was " + mismatch);
            }
            return mismatch;
        }
        for (int c = 0; c < curves.length; c++) {
            Policy.CategoryCalibration k = policy.categories().get(c).calibration();
            curves[c] = k == null ? null : k.curve();
        }
        return null;
    }

    /** Scores one image embedding; {@code contentId} drives the deterministic review samples. */
    public Verdict score(float[] image, String contentId) {
        Parts parts = parts(image);
        return verdict(parts.cosines(), parts.margins(), parts.p(), contentId);
    }

    /** A verdict over several views of one upload, and for each category the view its score came from. */
    public record Viewed(Verdict verdict, int[] viewOf, int decisive) {
    }

    /**
     * Scores the views of one upload (an animation's frames, a transparent image on white and
     * on black): each category takes its highest probability over the views, so that content
     * any viewer may see counts. {@code decisive} is the view of the triggering category, or of
     * the highest probability when none triggered.
     */
    public Viewed score(List<float[]> views, String contentId) {
        return score(views, contentId, List.of());
    }

    /** The same, with the upload's matches in the policy's banks (each bank's nearest entry). */
    public Viewed score(List<float[]> views, String contentId, List<BankHit> hits) {
        int n = categoryVectors.length;
        double[] cosines = new double[n];
        double[] margins = new double[n];
        double[] p = new double[n];
        int[] viewOf = new int[n];
        Arrays.fill(p, Double.NEGATIVE_INFINITY);
        for (int v = 0; v < views.size(); v++) {
            Parts parts = parts(views.get(v));
            for (int c = 0; c < n; c++) {
                if (parts.p()[c] > p[c]) {
                    p[c] = parts.p()[c];
                    cosines[c] = parts.cosines()[c];
                    margins[c] = parts.margins() == null ? Double.NaN : parts.margins()[c];
                    viewOf[c] = v;
                }
            }
        }
        Verdict verdict = verdict(cosines, policy.independent() ? margins : null, p, contentId, hits, viewOf);
        int decisive = 0;
        BankHit byBank = verdict.triggeringCategory() == null ? null : hitOf(policy.categories().get(indexOf(verdict.triggeringCategory())), hits);
        if (byBank != null) {
            decisive = byBank.view();
        } else if (verdict.triggeringCategory() != null) {
            decisive = viewOf[indexOf(verdict.triggeringCategory())];
        } else if (n > 0) {
            int best = 0;
            for (int c = 1; c < n; c++) {
                best = p[c] > p[best] ? c : best;
            }
            decisive = viewOf[best];
        }
        return new Viewed(verdict, viewOf, decisive);
    }

    private int indexOf(String category) {
        for (int c = 0; c < policy.categories().size(); c++) {
            if (policy.categories().get(c).id().equals(category)) {
                return c;
            }
        }
        throw new IllegalArgumentException(category);
    }

    /** One embedding's cosine, margin (null for schema 1) and probability per category. */
    private record Parts(double[] cosines, double[] margins, double[] p) {
    }

    private Parts parts(float[] image) {
        int n = categoryVectors.length;
        double[] cosines = new double[n];
        for (int c = 0; c < n; c++) {
            double best = -1;
            for (float[] prompt : categoryVectors[c]) {
                best = Math.max(best, ZeroShot.cosine(image, prompt));
            }
            cosines[c] = best;
        }
        if (!policy.independent()) {
            return new Parts(cosines, null, sharedSoftmax(image, cosines));
        }
        double[] benign = new double[benignVectors.length];
        for (int b = 0; b < benign.length; b++) {
            benign[b] = logitScale * ZeroShot.cosine(image, benignVectors[b]);
        }
        double[] margins = new double[n];
        double[] p = new double[n];
        for (int c = 0; c < n; c++) {
            double[] competitors = Arrays.copyOf(benign, benign.length + exclusionVectors[c].length);
            for (int e = 0; e < exclusionVectors[c].length; e++) {
                competitors[benign.length + e] = logitScale * ZeroShot.cosine(image, exclusionVectors[c][e]);
            }
            margins[c] = logitScale * cosines[c] - logSumExp(competitors);
            // A category of a bank alone has no prompt to score: only its bank triggers it.
            p[c] = categoryVectors[c].length == 0 ? 0 : probability(c, margins[c]);
        }
        return new Parts(cosines, margins, p);
    }

    /** Schema 1: one softmax over every category's best logit, every exclusion and every benign prompt. */
    private double[] sharedSoftmax(float[] image, double[] cosines) {
        List<Double> logits = new ArrayList<>();
        for (double c : cosines) {
            logits.add(c);
        }
        for (float[][] own : exclusionVectors) {
            for (float[] e : own) {
                logits.add(ZeroShot.cosine(image, e));
            }
        }
        for (float[] b : benignVectors) {
            logits.add(ZeroShot.cosine(image, b));
        }
        return ZeroShot.softmax(logits.stream().mapToDouble(Double::doubleValue).toArray(), logitScale);
    }

    /** log(sum(exp(x))), stable for large logits; minus infinity for none. */
    static double logSumExp(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (double v : x) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    /** Category {@code c}'s probability for a margin: its calibration curve, else the logistic of the margin. */
    public double probability(int c, double margin) {
        return curves[c] != null ? curves[c].apply(margin) : logistic(margin);
    }

    static double logistic(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    /**
     * The verdict from each category's cosine, margin and probability (indexes 0..categories-1
     * of the arrays; cosines and margins may be null when only probabilities are known, as in
     * backtests): the same rule whether the probabilities came from {@link #score} or a
     * {@link BulkScorer}.
     */
    public Verdict verdict(double[] cosines, double[] margins, double[] p, String contentId) {
        return verdict(cosines, margins, p, contentId, List.of());
    }

    /**
     * The same with the upload's bank matches: a match in a category's bank triggers it as its
     * probability may; a match in a negative bank exempts what the matched view shows (the
     * default action applies, and says why). Single view: {@code viewOf} null.
     */
    public Verdict verdict(double[] cosines, double[] margins, double[] p, String contentId, List<BankHit> hits) {
        return verdict(cosines, margins, p, contentId, hits, null);
    }

    /**
     * The same over several views: {@code viewOf[c]} is the view category {@code c}'s probability
     * came from. A negative match exempts a category only where its evidence is the matched view,
     * so an animation whose first frame is a known-benign template and whose second is not is
     * still judged by its second.
     */
    public Verdict verdict(double[] cosines, double[] margins, double[] p, String contentId, List<BankHit> hits, int[] viewOf) {
        int n = policy.categories().size();
        List<Score> scores = new ArrayList<>(n);
        Policy.Category fired = null;
        Policy.Category near = null;
        BankHit exempted = null;
        for (int c = 0; c < n; c++) {
            Policy.Category category = policy.categories().get(c);
            BankHit own = hitOf(category, hits);
            BankHit promptsExempt = negativeOn(hits, viewOf == null ? 0 : viewOf[c]);
            BankHit bankExempt = own == null ? null : negativeOn(hits, own.view());
            boolean byPrompts = p[c] >= category.threshold();
            boolean triggered = (byPrompts && promptsExempt == null) || (own != null && bankExempt == null);
            if (!triggered && (byPrompts || own != null) && exempted == null) {
                exempted = byPrompts ? promptsExempt : bankExempt;
            }
            scores.add(new Score(category.id(), cosines == null ? Double.NaN : cosines[c], margins == null ? Double.NaN : margins[c], p[c],
                    category.threshold(), triggered, curves[c] != null));
            if (triggered && (fired == null || moreSevere(category, fired))) {
                fired = category;
            }
            // The review band is for probabilities near a threshold: a category with no prompts has none.
            if (!triggered && promptsExempt == null && categoryVectors[c].length > 0 && p[c] >= category.threshold() - policy.reviewBand()
                    && policy.reviewBand() > 0 && (near == null || moreSevere(category, near))) {
                near = category;
            }
        }
        if (fired != null) {
            Score s = scores.get(policy.categories().indexOf(fired));
            BankHit hit = hitOf(fired, hits);
            String rule = hit != null && s.probability() < s.threshold()
                    ? String.format(Locale.ROOT, "%s: bank %s entry %s, %s -> %s", fired.id(), hit.bank().id(), hit.entry(), hit.describe(), fired.action())
                    : String.format(Locale.ROOT, "%s: probability %.4f >= threshold %.4f%s -> %s", fired.id(), s.probability(), s.threshold(),
                    uncalibratedNote(s), fired.action());
            if (fired.action() == Policy.Action.REVIEW) {
                return new Verdict(fired.action(), fired.id(), scores, rule, new Review(Review.Reason.ACTION, 1));
            }
            boolean audited = fired.action() == Policy.Action.BLOCK && sampled(contentId, policy.blockSampleRate(), "block");
            return new Verdict(fired.action(), fired.id(), scores, audited ? rule + String.format(Locale.ROOT,
                    "; random quality sample of blocked content at rate %.4f -> queued for review", policy.blockSampleRate()) : rule,
                    audited ? new Review(Review.Reason.BLOCK_SAMPLE, policy.blockSampleRate()) : null);
        }
        if (near != null) {
            Score s = scores.get(policy.categories().indexOf(near));
            return new Verdict(Policy.Action.REVIEW, near.id(), scores, String.format(Locale.ROOT,
                    "%s: probability %.4f within review band %.4f of threshold %.4f%s -> REVIEW",
                    near.id(), s.probability(), policy.reviewBand(), s.threshold(), uncalibratedNote(s)), new Review(Review.Reason.BAND, 1));
        }
        String none = exempted != null ? "exempt: negative bank " + exempted.bank().id() + " entry " + exempted.entry() + ", " + exempted.describe()
                : "no category reached its threshold";
        if (policy.defaultAction() == Policy.Action.ALLOW && sampled(contentId, policy.reviewSampleRate(), "")) {
            return new Verdict(Policy.Action.REVIEW, null, scores, String.format(Locale.ROOT,
                    "%s; random quality sample at rate %.4f -> REVIEW", none, policy.reviewSampleRate()),
                    new Review(Review.Reason.SAMPLE, policy.reviewSampleRate()));
        }
        return new Verdict(policy.defaultAction(), null, scores, none + " -> default " + policy.defaultAction(),
                policy.defaultAction() == Policy.Action.REVIEW ? new Review(Review.Reason.DEFAULT, 1) : null);
    }

    /** A negative bank's match on view {@code view}, or null. */
    private static BankHit negativeOn(List<BankHit> hits, int view) {
        for (BankHit h : hits) {
            if (h.bank().negative() && h.view() == view) {
                return h;
            }
        }
        return null;
    }

    /** The match in {@code category}'s bank, or null. */
    private static BankHit hitOf(Policy.Category category, List<BankHit> hits) {
        if (category.bank() == null) {
            return null;
        }
        return hits.stream().filter(h -> h.bank().id().equals(category.bank())).findFirst().orElse(null);
    }

    private String uncalibratedNote(Score s) {
        return policy.independent() && !s.calibrated() ? " (uncalibrated)" : "";
    }

    /** The policy as matrix columns, for re-scoring many stored embeddings at once. */
    public Columns columns() {
        List<float[]> vectors = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        List<Integer> excluders = new ArrayList<>();
        for (int c = 0; c < categoryVectors.length; c++) {
            for (float[] v : categoryVectors[c]) {
                vectors.add(v);
                owners.add(c);
                excluders.add(-1);
            }
        }
        for (int c = 0; c < exclusionVectors.length; c++) {
            for (float[] v : exclusionVectors[c]) {
                vectors.add(v);
                owners.add(-1);
                excluders.add(c);
            }
        }
        for (float[] v : benignVectors) {
            vectors.add(v);
            owners.add(-1);
            excluders.add(-1);
        }
        double[] thresholds = policy.categories().stream().mapToDouble(Policy.Category::threshold).toArray();
        return new Columns(vectors.toArray(float[][]::new), owners.stream().mapToInt(Integer::intValue).toArray(),
                excluders.stream().mapToInt(Integer::intValue).toArray(), thresholds, policy.independent());
    }

    /**
     * Refuses a policy this model cannot score as written: set for another model id or embedding
     * dimension ({@code POLICY_MODEL_MISMATCH}), or a prompt that, with a template, has more tokens
     * than the model reads ({@code POLICY_INVALID}, one error per prompt with its field path:
     * the model would silently cut it).
     */
    public static void check(Policy policy, PromptEncoder encoder) {
        if (policy.model() != null && !policy.model().equals(encoder.modelId())) {
            throw mismatch("policy " + policy.id() + " v" + policy.version() + " was calibrated for model '"
                    + policy.model() + "' but the loaded model is '" + encoder.modelId() + "'");
        }
        if (policy.dimension() > 0 && policy.dimension() != encoder.dimension()) {
            throw mismatch("policy " + policy.id() + " v" + policy.version() + " was calibrated for embedding dimension "
                    + policy.dimension() + " but the loaded model gives " + encoder.dimension());
        }
        List<String> errors = new ArrayList<>();
        for (int c = 0; c < policy.categories().size(); c++) {
            Policy.Category category = policy.categories().get(c);
            checkLength(policy, encoder, category.prompts(), "$.categories[" + c + "].prompts", errors);
            checkLength(policy, encoder, category.exclusions(), "$.categories[" + c + "].exclusions", errors);
        }
        checkLength(policy, encoder, policy.benign(), "$.benign", errors);
        if (!errors.isEmpty()) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, "policy " + policy.id() + ": " + String.join("; ", errors), errors);
        }
    }

    private static void checkLength(Policy policy, PromptEncoder encoder, List<String> prompts, String path, List<String> errors) {
        List<String> templates = policy.templates().isEmpty() ? List.of("{}") : policy.templates();
        for (int i = 0; i < prompts.size(); i++) {
            for (String t : templates) {
                int tokens = encoder.tokenCount(t.replace("{}", prompts.get(i)));
                if (tokens > encoder.contextLength()) {
                    errors.add(path + "[" + i + "]: " + (policy.templates().isEmpty() ? "" : "with template '" + t + "' ") + "it is " + tokens
                            + " tokens; the model reads at most " + encoder.contextLength() + " (it would cut the rest)");
                    break;
                }
            }
        }
    }

    private static ClipGuardException mismatch(String message) {
        return new ClipGuardException(ErrorCode.POLICY_MODEL_MISMATCH, message, List.of(message));
    }

    private static boolean moreSevere(Policy.Category a, Policy.Category b) {
        int byAction = a.action().compareTo(b.action());
        return byAction > 0 || (byAction == 0 && a.severity() > b.severity());
    }

    /**
     * Deterministic per contentId: the first 8 bytes of sha256(salt + contentId) as a fraction,
     * against the rate (each sample its own salt, so the two samples are independent draws).
     */
    static boolean sampled(String contentId, double rate, String salt) {
        if (rate <= 0 || contentId == null) {
            return false;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((salt + contentId).getBytes(StandardCharsets.UTF_8));
            long bits = ByteBuffer.wrap(h).getLong() >>> 11;
            return bits / (double) (1L << 53) < rate;
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

    /** Per category, sha256 over the vectors its score depends on (its prompts, its exclusions, the benign prompts): what a calibration pins. */
    public List<String> categoryPromptsHashes() {
        return List.of(categoryPromptsHashes);
    }

    /** Why the version's calibration was set aside ({@link Mismatch#UNCALIBRATED}), or null when it applies or there is none. */
    public String uncalibratedBecause() {
        return uncalibratedBecause;
    }

    /** Prompts per category as embedded (templates applied; exclusions after the prompts, marked), then the benign prompts. */
    public List<List<String>> embeddedPrompts() {
        return embeddedPrompts;
    }

    private List<float[]> all() {
        List<float[]> all = new ArrayList<>();
        for (float[][] category : categoryVectors) {
            all.addAll(List.of(category));
        }
        for (float[][] own : exclusionVectors) {
            all.addAll(List.of(own));
        }
        all.addAll(List.of(benignVectors));
        return all;
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

    private static String hash(List<float[]> vectors) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (float[] v : vectors) {
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
