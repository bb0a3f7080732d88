package io.clipguard.policy.catalog;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.PolicySet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which policy decides a tenant's uploads: one {@link PolicySwitch} per policy id an instance
 * enforces (the default one, and each a tenant is mapped to), so publishing one tenant's policy
 * swaps only that switch and every other tenant keeps its version. Unmapped tenants (and
 * uploads without one) get the default. Each upload is still embedded once: only its tenant's
 * policy (and that policy's shadow) is scored, from the one embedding.
 */
public final class TenantPolicies implements PolicyListener {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final PolicySwitch fallback;
    private final Map<String, PolicySwitch> byTenant;

    /** @param byTenant tenant to the switch of its policy (tenants mapped to one policy share a switch) */
    public TenantPolicies(PolicySwitch fallback, Map<String, PolicySwitch> byTenant) {
        this.fallback = fallback;
        this.byTenant = Map.copyOf(byTenant);
    }

    /** The policies that decide {@code tenant}'s uploads now (active and shadow). */
    public PolicySet forTenant(String tenant) {
        return switchFor(tenant).get();
    }

    /** The switch of {@code tenant}'s policy: its mapped one, or the default. */
    public PolicySwitch switchFor(String tenant) {
        PolicySwitch s = tenant == null ? null : byTenant.get(tenant);
        return s == null ? fallback : s;
    }

    /** The default policy's switch (unmapped tenants). */
    public PolicySwitch fallback() {
        return fallback;
    }

    /** Tenant to the id of the policy that decides it, for the mapped tenants. */
    public Map<String, String> mapping() {
        Map<String, String> out = new LinkedHashMap<>();
        byTenant.forEach((tenant, s) -> out.put(tenant, s.enforcedId()));
        return out;
    }

    /** Every switch once, the default last (it publishes the catalog the API reads, after the others swapped). */
    public Collection<PolicySwitch> switches() {
        List<PolicySwitch> all = new ArrayList<>();
        byTenant.values().stream().distinct().filter(s -> s != fallback).forEach(all::add);
        all.add(fallback);
        return all;
    }

    @Override
    public void policiesChanged(PolicyCatalog catalog) {
        switches().forEach(s -> s.policiesChanged(catalog));
    }

    /**
     * The policy {@code id} as a file in {@code dir} defines it (the first such file by name), for
     * a tenant mapped to it; {@code CONFIG_INVALID} when no file there does.
     */
    public static Policy inDir(Path dir, String id) {
        for (Path f : PolicyFileSync.policyFiles(dir, List.of())) {
            Policy p = PolicyFiles.read(f);
            if (p.id().equals(id)) {
                return p;
            }
        }
        throw new ClipGuardException(ErrorCode.CONFIG_INVALID, "clipguard.policies.tenants names policy '" + id + "', which no file in " + dir
                + " defines");
    }

    /**
     * Reads the {@code clipguard.policies.tenants} setting: {@code tenant=policy-id} pairs,
     * comma-separated ({@code kids=kids-policy,market=market-policy}); blank for none.
     */
    public static Map<String, String> parse(String setting) {
        Map<String, String> out = new LinkedHashMap<>();
        if (setting == null || setting.isBlank()) {
            return out;
        }
        for (String pair : setting.split(",")) {
            String[] kv = pair.strip().split("=", -1);
            if (kv.length != 2 || !NAME.matcher(kv[0].strip()).matches() || !NAME.matcher(kv[1].strip()).matches()) {
                throw new ClipGuardException(ErrorCode.CONFIG_INVALID, "clipguard.policies.tenants: '" + pair.strip()
                        + "' is not tenant=policy-id (letters, digits, '.', '_', '-')");
            }
            if (out.put(kv[0].strip(), kv[1].strip()) != null) {
                throw new ClipGuardException(ErrorCode.CONFIG_INVALID, "clipguard.policies.tenants: tenant '" + kv[0].strip() + "' is mapped twice");
            }
        }
        return out;
    }
}
