package io.clipguard.policy.catalog;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.schema.PolicyChange;
import io.clipguard.schema.PolicyChangeKind;
import io.clipguard.schema.PolicyEntry;
import io.clipguard.schema.PolicyHead;
import io.clipguard.schema.PolicyState;
import io.clipguard.schema.PolicyVersion;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The policy commands: create a draft, publish (active or shadow), stop a shadow, roll back,
 * apply a file. Each checks the rules against the current catalog, then writes the new
 * entries together with a {@link PolicyChange} audit record (author, time, reason, diff),
 * and waits until this instance's catalog shows the change, so that a caller reads its own
 * write.
 *
 * <p>Commands are serialised within a process. Two instances creating drafts of one policy
 * in the same instant could pick the same version number; the later write wins. The
 * editor's traffic makes that rare, and the change log records both.
 */
public final class PolicyWriter {
    private final PolicyPublisher out;
    private final Supplier<PolicyCatalog> catalog;
    private final Consumer<Policy> activationCheck;
    private final boolean twoPersonRule;
    private final boolean filesRule;
    private final Clock clock;
    private final Duration visibility;

    /**
     * @param activationCheck throws {@link ClipGuardException} when this deployment cannot enforce the policy (model mismatch)
     * @param twoPersonRule   when true, nobody publishes a draft they created, and a changed policy file becomes a draft
     * @param filesRule       GitOps: policy files publish directly even under the two-person rule (reviewed in version control)
     * @param visibility      how long to wait for the catalog to show a write; zero to not wait
     */
    public PolicyWriter(PolicyPublisher out, Supplier<PolicyCatalog> catalog, Consumer<Policy> activationCheck, boolean twoPersonRule,
                        boolean filesRule, Clock clock, Duration visibility) {
        this.out = out;
        this.catalog = catalog;
        this.activationCheck = activationCheck;
        this.twoPersonRule = twoPersonRule;
        this.filesRule = filesRule;
        this.clock = clock;
        this.visibility = visibility;
    }

    /** A tenant as uploads name it (the upload schema allows 128 characters). */
    static final java.util.regex.Pattern TENANT = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,128}");
    /** Tenants one head may name: a mapping is configuration, not a list of customers. */
    public static final int MAX_TENANTS = 1000;

    public boolean twoPersonRule() {
        return twoPersonRule;
    }

    public PolicyVersion createDraft(String policyId, String yaml, Integer basedOn, String author, String reason) {
        return createDraft(policyId, yaml, basedOn, author, reason, null);
    }

    /**
     * A new draft with, when not null, the backtest its author ran on exactly this document (JSON),
     * kept with the version for whoever publishes it.
     */
    public synchronized PolicyVersion createDraft(String policyId, String yaml, Integer basedOn, String author, String reason, String backtest) {
        PolicyCatalog now = catalog.get();
        int version = now.nextVersion(policyId);
        Policy policy = PolicyFiles.parseVersion(policyId, yaml, version);
        if (basedOn != null && now.version(policyId, basedOn).isEmpty()) {
            throw notFound(policyId, basedOn);
        }
        Instant at = now();
        String stored = PolicyFiles.withVersion(yaml, version);
        PolicyVersion draft = PolicyVersion.newBuilder().setPolicyId(policyId).setVersion(version).setState(PolicyState.DRAFT)
                .setYaml(stored).setContentHash(PolicyFiles.contentHash(policy)).setAuthor(author).setCreatedAt(at)
                .setReason(reason).setBasedOn(basedOn).setBacktest(backtest).build();
        Optional<PolicyVersion> base = basedOn != null ? now.version(policyId, basedOn) : now.active(policyId);
        write(Map.of(PolicyCatalog.versionKey(policyId, version), new PolicyEntry(draft)),
                change(policyId, PolicyChangeKind.DRAFT_CREATED, base.map(PolicyVersion::getVersion).orElse(null), version, author, at,
                        reason, base.map(PolicyVersion::getYaml).orElse(""), stored),
                c -> c.version(policyId, version).isPresent());
        return draft;
    }

    /** Makes {@code version} (a draft, or a version already in shadow) the enforced one. */
    public synchronized PolicyHead publish(String policyId, int version, String author, String reason) {
        PolicyCatalog now = catalog.get();
        PolicyVersion target = now.version(policyId, version).orElseThrow(() -> notFound(policyId, version));
        Optional<PolicyHead> head = now.head(policyId);
        if (target.getState() != PolicyState.DRAFT) {
            throw new ClipGuardException(ErrorCode.NOT_A_DRAFT, policyId + " v" + version
                    + " is already published; use rollback to enforce an earlier version again");
        }
        if (twoPersonRule && target.getAuthor().equals(author)) {
            throw new ClipGuardException(ErrorCode.TWO_PERSON_RULE, "two-person rule: " + author + " wrote " + policyId + " v" + version
                    + " and cannot also publish it");
        }
        checkActivation(target);
        Instant at = now();
        PolicyVersion published = PolicyVersion.newBuilder(target).setState(PolicyState.PUBLISHED).setPublishedBy(author)
                .setPublishedAt(at).build();
        Integer shadow = head.map(PolicyHead::getShadowVersion).filter(s -> s != version).orElse(null);
        PolicyHead next = new PolicyHead(policyId, version, shadow, author, at, reason, head.map(PolicyHead::getTenants).orElse(null));
        Map<String, PolicyEntry> entries = new LinkedHashMap<>();
        entries.put(PolicyCatalog.versionKey(policyId, version), new PolicyEntry(published));
        entries.put(PolicyCatalog.headKey(policyId), new PolicyEntry(next));
        Optional<PolicyVersion> before = now.active(policyId);
        write(entries, change(policyId, PolicyChangeKind.PUBLISHED, before.map(PolicyVersion::getVersion).orElse(null), version, author,
                at, reason, before.map(PolicyVersion::getYaml).orElse(""), target.getYaml()), c -> headIs(c, policyId, next));
        return next;
    }

    /** Scores {@code version} beside the active version on live traffic, never enforcing it. */
    public synchronized PolicyHead shadow(String policyId, int version, String author, String reason) {
        PolicyCatalog now = catalog.get();
        PolicyVersion target = now.version(policyId, version).orElseThrow(() -> notFound(policyId, version));
        PolicyHead head = now.head(policyId).orElseThrow(() -> new ClipGuardException(ErrorCode.NO_ACTIVE_VERSION,
                policyId + " has no active version to compare a shadow with; publish one first"));
        if (head.getActiveVersion() == version) {
            throw new ClipGuardException(ErrorCode.ALREADY_ACTIVE, policyId + " v" + version + " is the active version");
        }
        checkActivation(target);
        Instant at = now();
        PolicyHead next = new PolicyHead(policyId, head.getActiveVersion(), version, author, at, reason, head.getTenants());
        PolicyVersion active = now.active(policyId).orElseThrow();
        write(Map.of(PolicyCatalog.headKey(policyId), new PolicyEntry(next)), change(policyId, PolicyChangeKind.SHADOW_STARTED,
                head.getActiveVersion(), version, author, at, reason, active.getYaml(), target.getYaml()), c -> headIs(c, policyId, next));
        return next;
    }

    public synchronized PolicyHead stopShadow(String policyId, String author, String reason) {
        PolicyHead head = catalog.get().head(policyId).filter(h -> h.getShadowVersion() != null)
                .orElseThrow(() -> new ClipGuardException(ErrorCode.NO_SHADOW, policyId + " has no shadow version"));
        Instant at = now();
        PolicyHead next = new PolicyHead(policyId, head.getActiveVersion(), null, author, at, reason, head.getTenants());
        write(Map.of(PolicyCatalog.headKey(policyId), new PolicyEntry(next)), change(policyId, PolicyChangeKind.SHADOW_STOPPED,
                head.getShadowVersion(), null, author, at, reason, "", ""), c -> headIs(c, policyId, next));
        return next;
    }

    /** Enforces an earlier published version again (no two-person rule: rollbacks are for emergencies). */
    public synchronized PolicyHead rollback(String policyId, int version, String author, String reason) {
        PolicyCatalog now = catalog.get();
        PolicyVersion target = now.version(policyId, version).orElseThrow(() -> notFound(policyId, version));
        PolicyHead head = now.head(policyId).orElseThrow(() -> new ClipGuardException(ErrorCode.POLICY_NOT_FOUND,
                "policy " + policyId + " has never been published"));
        if (target.getState() != PolicyState.PUBLISHED) {
            throw new ClipGuardException(ErrorCode.NOT_PUBLISHED, policyId + " v" + version + " was never published; publish it instead");
        }
        if (head.getActiveVersion() == version) {
            throw new ClipGuardException(ErrorCode.ALREADY_ACTIVE, policyId + " v" + version + " is already the active version");
        }
        checkActivation(target);
        Instant at = now();
        Integer shadow = head.getShadowVersion() != null && head.getShadowVersion() != version ? head.getShadowVersion() : null;
        PolicyHead next = new PolicyHead(policyId, version, shadow, author, at, reason, head.getTenants());
        String before = now.active(policyId).map(PolicyVersion::getYaml).orElse("");
        write(Map.of(PolicyCatalog.headKey(policyId), new PolicyEntry(next)), change(policyId, PolicyChangeKind.ROLLED_BACK,
                head.getActiveVersion(), version, author, at, reason, before, target.getYaml()), c -> headIs(c, policyId, next));
        return next;
    }

    /**
     * Makes {@code tenants} the tenants this policy decides (instead of the default policy): a new
     * head naming them, the same active and shadow versions. Logged as a publish of the active
     * version whose diff is the tenants line. An empty list gives the policy's tenants back to
     * the setting or the default.
     */
    public synchronized PolicyHead assignTenants(String policyId, List<String> tenants, String author, String reason) {
        PolicyCatalog now = catalog.get();
        PolicyHead head = now.head(policyId).orElseThrow(() -> new ClipGuardException(ErrorCode.NO_ACTIVE_VERSION,
                policyId + " has no active version to decide tenants with; publish one first"));
        List<String> named = new ArrayList<>(new java.util.TreeSet<>(tenants));
        for (String t : named) {
            if (!TENANT.matcher(t).matches()) {
                throw new ClipGuardException(ErrorCode.INVALID_ARGUMENT, "a tenant is 1-128 of letters, digits, '.', '_' and '-', not '" + t + "'");
            }
        }
        if (named.size() > MAX_TENANTS) {
            throw new ClipGuardException(ErrorCode.INVALID_ARGUMENT, "a policy decides at most " + MAX_TENANTS + " named tenants");
        }
        Instant at = now();
        PolicyHead next = new PolicyHead(policyId, head.getActiveVersion(), head.getShadowVersion(), author, at, reason, named);
        String before = head.getTenants() == null ? "" : "tenants: " + String.join(", ", head.getTenants()) + "\n";
        String after = "tenants: " + String.join(", ", named) + "\n";
        write(Map.of(PolicyCatalog.headKey(policyId), new PolicyEntry(next)), change(policyId, PolicyChangeKind.PUBLISHED,
                head.getActiveVersion(), head.getActiveVersion(), author, at, reason, before, after), c -> headIs(c, policyId, next));
        return next;
    }

    /** What applying a policy file did: nothing, a published version, or a draft awaiting a publisher. */
    public record FileApplied(String policyId, Result result, Integer version) {
        /** The three outcomes. */
        public enum Result {
            UNCHANGED, PUBLISHED, DRAFTED
        }
    }

    /**
     * Applies a policy file (the version number in it is ignored: the catalog numbers versions)
     * when it changed since it was last applied: when its content is neither the active
     * version's nor that of the last version applied from this same file. So a restart never
     * undoes what staff published through the API since. Under the two-person rule a changed
     * file becomes a draft for a publisher to publish, unless files rule (GitOps: the review
     * happened in version control); otherwise it is published.
     *
     * @param source the file (path or a name like {@code bundled:...}), recorded on the version
     */
    public synchronized FileApplied applyFile(String yaml, String source, String author) {
        Policy parsed = PolicyFiles.parse(PolicyFiles.withVersion(yaml, 1), source);
        String hash = PolicyFiles.contentHash(parsed);
        PolicyCatalog now = catalog.get();
        Optional<PolicyVersion> active = now.active(parsed.id());
        Optional<PolicyVersion> lastFromFile = now.versions(parsed.id()).stream().filter(v -> source.equals(v.getSourceFile()))
                .max(Comparator.comparingInt(PolicyVersion::getVersion));
        if (active.map(v -> v.getContentHash().equals(hash)).orElse(false)
                || lastFromFile.map(v -> v.getContentHash().equals(hash)).orElse(false)) {
            return new FileApplied(parsed.id(), FileApplied.Result.UNCHANGED, null);
        }
        int version = now.nextVersion(parsed.id());
        Policy policy = parsed.withVersion(version);
        checkActivation(policy);
        Instant at = now();
        String stored = PolicyFiles.withVersion(yaml, version);
        // A policy with nothing enforced yet is published from its file: there is no reviewed
        // version to protect, and without one the service cannot decide at all.
        boolean draft = twoPersonRule && !filesRule && active.isPresent();
        String reason = "applied from " + source + (draft ? "; awaiting a publisher (two-person rule)" : "");
        PolicyVersion.Builder built = PolicyVersion.newBuilder().setPolicyId(policy.id()).setVersion(version)
                .setYaml(stored).setContentHash(hash).setAuthor(author).setCreatedAt(at).setReason(reason)
                .setBasedOn(active.map(PolicyVersion::getVersion).orElse(null)).setSourceFile(source);
        String before = active.map(PolicyVersion::getYaml).orElse("");
        Integer from = active.map(PolicyVersion::getVersion).orElse(null);
        if (draft) {
            PolicyVersion drafted = built.setState(PolicyState.DRAFT).setPublishedBy(null).setPublishedAt(null).build();
            write(Map.of(PolicyCatalog.versionKey(policy.id(), version), new PolicyEntry(drafted)),
                    change(policy.id(), PolicyChangeKind.DRAFT_CREATED, from, version, author, at, reason, before, stored),
                    c -> c.version(policy.id(), version).isPresent());
            return new FileApplied(policy.id(), FileApplied.Result.DRAFTED, version);
        }
        PolicyVersion published = built.setState(PolicyState.PUBLISHED).setPublishedBy(author).setPublishedAt(at).build();
        Integer shadow = now.head(policy.id()).map(PolicyHead::getShadowVersion).orElse(null);
        PolicyHead next = new PolicyHead(policy.id(), version, shadow, author, at, reason, now.head(policy.id()).map(PolicyHead::getTenants).orElse(null));
        Map<String, PolicyEntry> entries = new LinkedHashMap<>();
        entries.put(PolicyCatalog.versionKey(policy.id(), version), new PolicyEntry(published));
        entries.put(PolicyCatalog.headKey(policy.id()), new PolicyEntry(next));
        write(entries, change(policy.id(), PolicyChangeKind.PUBLISHED, from, version, author, at, reason, before, stored),
                c -> headIs(c, policy.id(), next));
        return new FileApplied(policy.id(), FileApplied.Result.PUBLISHED, version);
    }

    /** Millisecond precision, as the Avro timestamps store it, so that a written head equals the one read back. */
    private Instant now() {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    private void checkActivation(PolicyVersion version) {
        checkActivation(PolicyFiles.parseVersion(version.getPolicyId(), version.getYaml(), version.getVersion()));
    }

    private void checkActivation(Policy policy) {
        activationCheck.accept(policy);
    }

    private static boolean headIs(PolicyCatalog c, String policyId, PolicyHead expected) {
        return c.head(policyId).map(expected::equals).orElse(false);
    }

    private static PolicyChange change(String policyId, PolicyChangeKind kind, Integer from, Integer to, String author, Instant at,
                                       String reason, String before, String after) {
        String diff = TextDiff.unified(before, after, from == null ? "/dev/null" : policyId + " v" + from,
                to == null ? "/dev/null" : policyId + " v" + to);
        return new PolicyChange(UUID.randomUUID().toString(), policyId, kind, from, to, author, at, reason, diff);
    }

    private static ClipGuardException notFound(String policyId, int version) {
        return new ClipGuardException(ErrorCode.VERSION_NOT_FOUND, "policy " + policyId + " has no version " + version);
    }

    private void write(Map<String, PolicyEntry> entries, PolicyChange change, Predicate<PolicyCatalog> visible) {
        out.write(entries, change);
        long deadline = System.nanoTime() + visibility.toNanos();
        while (!visibility.isZero() && !visible.test(catalog.get())) {
            if (System.nanoTime() > deadline) {
                throw new ClipGuardException(ErrorCode.NOT_YET_VISIBLE, "the change was written but this instance has not seen it within "
                        + visibility.toMillis() + " ms");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the change to become visible", e);
            }
        }
    }
}
