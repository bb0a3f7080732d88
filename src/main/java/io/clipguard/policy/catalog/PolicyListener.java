package io.clipguard.policy.catalog;

/** Told of every change to the policy catalog (on the global-store thread), and once at start. */
@FunctionalInterface
public interface PolicyListener {
    void policiesChanged(PolicyCatalog catalog);
}
