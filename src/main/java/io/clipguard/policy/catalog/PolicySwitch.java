package io.clipguard.policy.catalog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.PolicySet;
import io.clipguard.policy.PromptEncoder;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.schema.PolicyHead;
import io.clipguard.schema.PolicyVersion;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Hot reload: follows the catalog and, when the head of the enforced policy changes,
 * prepares the new version (prompt vectors embedded once per prompt list and model, on the
 * global-store thread, never on a stream thread; the start-up file and its catalog copy share
 * them) and swaps it in with one reference write. A version
 * this model cannot enforce (calibrated for another model) is refused: the previous one
 * stays, and {@link #status()} says why.
 */
public final class PolicySwitch implements PolicyListener, Supplier<PolicySet> {
    private static final Logger LOG = Logger.getLogger(PolicySwitch.class.getName());
    static final int MAX_VERSIONS = 8;

    private final PromptEncoder encoder;
    private final ScoringPolicy.Mismatch onMismatch;
    private final PublishRule rule;
    private final PromptEncoder cachedPrompts;
    private final String enforcedId;
    private final AtomicReference<PolicySet> current;
    /** Versions prepared for this model; a few, since a head names at most two and staff compare a handful. */
    private final Cache<Integer, ScoringPolicy> prepared = Caffeine.newBuilder().maximumSize(MAX_VERSIONS).build();
    private volatile PolicyCatalog catalog = PolicyCatalog.of(Map.of());
    /** The content of each version named by a head, as first read: versions are written once. */
    private final Map<Integer, String> firstSeen = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile String lastError;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();
    private volatile PolicyHead refused;
    private volatile Instant switchedAt = Instant.now();

    /** What this instance enforces now, for the API and logs. */
    public record Status(String policyId, int activeVersion, Integer shadowVersion, Instant switchedAt, String lastError) {
    }

    /** Starts with {@code initial} (a file), until the catalog names a head for its id; calibration pins enforced. */
    public PolicySwitch(PromptEncoder encoder, Policy initial) {
        this(encoder, initial, ScoringPolicy.Mismatch.REFUSE);
    }

    /** The same, with {@code onMismatch} for versions calibrated on another model, logit scale or prompt set. */
    public PolicySwitch(PromptEncoder encoder, Policy initial, ScoringPolicy.Mismatch onMismatch) {
        this(encoder, initial, onMismatch, PublishRule.NONE);
    }

    /** The same, enforcing only versions {@code rule} admits (a head naming another is refused and reported). */
    public PolicySwitch(PromptEncoder encoder, Policy initial, ScoringPolicy.Mismatch onMismatch, PublishRule rule) {
        this.encoder = encoder;
        // Switches of one instance share the cache they are given, so a policy's prompts are embedded once for all of them.
        this.cachedPrompts = encoder instanceof PromptCache ? encoder : new PromptCache(encoder);
        this.onMismatch = onMismatch;
        this.rule = rule;
        this.enforcedId = initial.id();
        this.current = new AtomicReference<>(new PolicySet(scoring(initial), null));
    }

    @Override
    public PolicySet get() {
        return current.get();
    }

    public String enforcedId() {
        return enforcedId;
    }

    /** The catalog as this instance last saw it. */
    public PolicyCatalog catalog() {
        return catalog;
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(
                    text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Versions swapped in since start (the first included). */
    public long reloads() {
        return reloads.get();
    }

    /** Heads this model could not enforce since start (each refused once). */
    public long refusals() {
        return refusals.get();
    }

    public Status status() {
        PolicySet set = current.get();
        return new Status(enforcedId, set.active().policy().version(), set.shadow() == null ? null : set.shadow().policy().version(),
                switchedAt, lastError);
    }

    /** Builds the scoring form of a stored version for this model (cached per version), or throws {@link ClipGuardException}. */
    public ScoringPolicy prepare(PolicyVersion version) {
        if (!version.getPolicyId().equals(enforcedId)) {
            return scoring(PolicyFiles.parseVersion(version.getPolicyId(), version.getYaml(), version.getVersion()));
        }
        return prepared.get(version.getVersion(), v -> scoring(PolicyFiles.parseVersion(enforcedId, version.getYaml(), v)));
    }

    private ScoringPolicy scoring(Policy policy) {
        ScoringPolicy s = new ScoringPolicy(policy, cachedPrompts, onMismatch);
        if (s.uncalibratedBecause() != null) {
            LOG.warning("policy " + policy.id() + " v" + policy.version() + " scored uncalibrated: it was " + s.uncalibratedBecause());
        }
        return s;
    }

    /**
     * Throws {@link ClipGuardException} when this model cannot enforce {@code policy}: another
     * model or dimension, a prompt longer than the model reads, or (unless mismatches are scored
     * uncalibrated) a calibration pinned to another model, logit scale or prompt set. The prompts
     * are embedded (and cached for the switch).
     */
    public void checkActivation(Policy policy) {
        draft(policy);
    }

    /**
     * The scoring form of a draft that is tried, not enforced: built each time (drafts change
     * with every keystroke), its prompt vectors from the same cache as enforced versions, so
     * only the prompt lists the draft changed are embedded. Throws {@link ClipGuardException}
     * where {@link #checkActivation} would.
     */
    public ScoringPolicy draft(Policy policy) {
        return new ScoringPolicy(policy, cachedPrompts, onMismatch);
    }

    /** 1 while the enforced version runs uncalibrated because its calibration was fitted on something else, else 0. */
    public int calibrationMismatch() {
        return current.get().active().uncalibratedBecause() == null ? 0 : 1;
    }

    @Override
    public void policiesChanged(PolicyCatalog latest) {
        try {
            switchTo(latest);
        } finally {
            // Published after the swap: whoever sees a head in the catalog finds it enforced.
            this.catalog = latest;
        }
    }

    private void switchTo(PolicyCatalog latest) {
        Optional<PolicyHead> head = latest.head(enforcedId);
        if (head.isEmpty()) {
            return;
        }
        PolicySet now = current.get();
        Integer wantShadow = head.get().getShadowVersion();
        boolean sameActive = now.active().policy().version() == head.get().getActiveVersion() && prepared.getIfPresent(head.get().getActiveVersion()) != null;
        boolean sameShadow = wantShadow == null ? now.shadow() == null : now.shadow() != null && now.shadow().policy().version() == wantShadow;
        if ((sameActive && sameShadow) || head.get().equals(refused)) {
            return;
        }
        try {
            PolicyVersion named = latest.version(enforcedId, head.get().getActiveVersion()).orElseThrow(() -> new ClipGuardException(
                    ErrorCode.POLICY_INVALID, "head names " + enforcedId + " v" + head.get().getActiveVersion() + ", which is missing"));
            String violation = rule.violation(named);
            if (violation != null) {
                throw new ClipGuardException(ErrorCode.TWO_PERSON_RULE, violation);
            }
            String before = firstSeen.putIfAbsent(named.getVersion(), sha256(named.getYaml()));
            if (before != null && !before.equals(sha256(named.getYaml()))) {
                throw new ClipGuardException(ErrorCode.POLICY_INVALID, enforcedId + " v" + named.getVersion() + " changed after this instance "
                        + "first read it; a version is never rewritten, so the head naming it is refused");
            }
            ScoringPolicy active = sameActive ? now.active() : prepare(named);
            ScoringPolicy shadow = wantShadow == null ? null : latest.version(enforcedId, wantShadow).map(this::prepare).orElse(null);
            current.set(new PolicySet(active, shadow));
            switchedAt = Instant.now();
            lastError = null;
            reloads.incrementAndGet();
            LOG.info("policy " + enforcedId + ": enforcing v" + active.policy().version()
                    + (shadow == null ? "" : ", shadow v" + shadow.policy().version()));
        } catch (ClipGuardException e) {
            lastError = e.getMessage();
            refused = head.get();
            refusals.incrementAndGet();
            LOG.severe("policy " + enforcedId + ": refused to activate head " + head.get() + ": " + e.getMessage()
                    + "; still enforcing v" + now.active().policy().version());
        }
    }
}
