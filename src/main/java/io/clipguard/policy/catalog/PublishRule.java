package io.clipguard.policy.catalog;

import io.clipguard.schema.PolicyState;
import io.clipguard.schema.PolicyVersion;

/**
 * Which versions may be enforced, checked by every instance on every head it reads from the
 * policy topic, not only by the writer that wrote it: a client that skips the rule would
 * otherwise enforce a version nobody reviewed. Under the two-person rule an enforced version
 * must be published, by someone other than its author, unless it is the policy's version 1
 * (nothing was enforced before it) or, with the files rule, published from a policy file
 * (reviewed in version control).
 *
 * <p>The rule reads the records it is given: a writer able to forge them (another author name)
 * passes it, which is why the deployment grants write access to the policy topic to the service
 * alone, and why {@link PolicySwitch} also refuses a version whose content changed after it
 * first read it.
 */
public record PublishRule(boolean twoPerson, boolean filesRule) {
    /** No rule: any published version may be enforced. */
    public static final PublishRule NONE = new PublishRule(false, false);

    /** Why {@code v} may not be enforced, or null when it may. */
    public String violation(PolicyVersion v) {
        if (v.getState() != PolicyState.PUBLISHED) {
            return v.getPolicyId() + " v" + v.getVersion() + " is a draft; only published versions are enforced";
        }
        if (!twoPerson || (v.getPublishedBy() != null && !v.getPublishedBy().equals(v.getAuthor()))) {
            return null;
        }
        if (filesRule && v.getSourceFile() != null) {
            return null;
        }
        return v.getVersion() == 1 ? null : "two-person rule: " + v.getPolicyId() + " v" + v.getVersion() + " was written and published by "
                + v.getAuthor() + "; a head naming it is refused";
    }
}
