package io.clipguard.policy.catalog;

import io.clipguard.schema.PolicyState;
import io.clipguard.schema.PolicyVersion;

/**
 * Which versions may be enforced, checked by every instance on every head it reads from the
 * policy topic, not only by the writer that wrote it: anyone with write access to the topic
 * could otherwise enforce a version nobody reviewed. Under the two-person rule an enforced
 * version must be published, by someone other than its author, unless it is the policy's first
 * published version (nothing was enforced before it) or, with the files rule, published from a
 * policy file (reviewed in version control).
 */
public record PublishRule(boolean twoPerson, boolean filesRule) {
    /** No rule: any published version may be enforced. */
    public static final PublishRule NONE = new PublishRule(false, false);

    /** Why {@code v} may not be enforced, or null when it may. */
    public String violation(PolicyVersion v, PolicyCatalog catalog) {
        if (v.getState() != PolicyState.PUBLISHED) {
            return v.getPolicyId() + " v" + v.getVersion() + " is a draft; only published versions are enforced";
        }
        if (!twoPerson || (v.getPublishedBy() != null && !v.getPublishedBy().equals(v.getAuthor()))) {
            return null;
        }
        if (filesRule && v.getSourceFile() != null) {
            return null;
        }
        int first = catalog.versions(v.getPolicyId()).stream().filter(x -> x.getState() == PolicyState.PUBLISHED)
                .mapToInt(PolicyVersion::getVersion).min().orElse(v.getVersion());
        return first == v.getVersion() ? null : "two-person rule: " + v.getPolicyId() + " v" + v.getVersion() + " was written and published by "
                + v.getAuthor() + "; a head naming it is refused";
    }
}
