package io.clipguard.policy.catalog;

import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.schema.PolicyEntry;
import io.clipguard.schema.PolicyHead;
import io.clipguard.schema.PolicyVersion;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A consistent snapshot of {@code moderation.policies}: every version of every policy and
 * each policy's head. Built from the global store on an instance, or from the topic read to
 * its end by the CLI; immutable, so a request works on one snapshot throughout.
 *
 * <p>Keys: {@code policyId} holds the {@link PolicyHead}; {@code policyId@vN} holds version N.
 */
public final class PolicyCatalog {
    private final Map<String, PolicyEntry> entries;

    private PolicyCatalog(Map<String, PolicyEntry> entries) {
        this.entries = entries;
    }

    public static PolicyCatalog of(Map<String, PolicyEntry> entries) {
        return new PolicyCatalog(new TreeMap<>(entries));
    }

    public static String headKey(String policyId) {
        return policyId;
    }

    public static String versionKey(String policyId, int version) {
        return policyId + "@v" + version;
    }

    /** Every policy that has a head, by id. */
    public List<PolicyHead> heads() {
        return entries.values().stream().filter(e -> e.getEntry() instanceof PolicyHead).map(e -> (PolicyHead) e.getEntry())
                .sorted(Comparator.comparing(PolicyHead::getPolicyId)).toList();
    }

    /** Ids of every policy with at least one version (drafts included). */
    public List<String> policyIds() {
        return entries.values().stream().filter(e -> e.getEntry() instanceof PolicyVersion).map(e -> ((PolicyVersion) e.getEntry()).getPolicyId())
                .distinct().sorted().toList();
    }

    public Optional<PolicyHead> head(String policyId) {
        PolicyEntry e = entries.get(headKey(policyId));
        return e != null && e.getEntry() instanceof PolicyHead h ? Optional.of(h) : Optional.empty();
    }

    public Optional<PolicyVersion> version(String policyId, int version) {
        PolicyEntry e = entries.get(versionKey(policyId, version));
        return e != null && e.getEntry() instanceof PolicyVersion v ? Optional.of(v) : Optional.empty();
    }

    /** Versions of one policy, oldest first. */
    public List<PolicyVersion> versions(String policyId) {
        return entries.values().stream().filter(e -> e.getEntry() instanceof PolicyVersion v && v.getPolicyId().equals(policyId))
                .map(e -> (PolicyVersion) e.getEntry()).sorted(Comparator.comparingInt(PolicyVersion::getVersion)).toList();
    }

    /**
     * The policy version a decision names, parsed: the prompts, thresholds and rules that decided
     * it; empty when that version is no longer in the catalog.
     */
    public Optional<Policy> decidedBy(String policyId, int version) {
        return version(policyId, version).map(v -> PolicyFiles.parse(v.getYaml(), policyId + " v" + version));
    }

    /** The version enforced now, if the policy has a head. */
    public Optional<PolicyVersion> active(String policyId) {
        return head(policyId).flatMap(h -> version(policyId, h.getActiveVersion()));
    }

    public int nextVersion(String policyId) {
        return versions(policyId).stream().mapToInt(PolicyVersion::getVersion).max().orElse(0) + 1;
    }
}
