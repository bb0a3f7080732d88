package io.clipguard.policy.catalog;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.PolicySet;
import io.clipguard.schema.PolicyHead;
import io.clipguard.schema.PolicyVersion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Which policy decides a tenant's uploads: one {@link PolicySwitch} per policy id an instance
 * enforces (the default one, and each a tenant is mapped to), so publishing one tenant's policy
 * swaps only that switch and every other tenant keeps its version. The mapping comes from the
 * setting ({@code clipguard.policies.tenants}) and, live, from policy heads that name tenants
 * (the latest head naming a tenant wins over the setting); unmapped tenants (and uploads
 * without one) get the default. Each upload is still embedded once: only its tenant's policy
 * (and that policy's shadow) is scored, from the one embedding.
 *
 * <p>The mapping changes on the global-store thread ({@link #policiesChanged}), which builds a
 * switch for a newly named policy from its active version before any tenant is moved to it,
 * then swaps the whole mapping with one write: an upload reads one mapping or the next.
 */
public final class TenantPolicies implements PolicyListener {
    private static final Logger LOG = Logger.getLogger(TenantPolicies.class.getName());
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Pattern POLICY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final PolicySwitch fallback;
    private final Map<String, String> configured;
    private final Function<Policy, PolicySwitch> newSwitch;
    private final Map<String, PolicySwitch> byId = new ConcurrentHashMap<>();
    private volatile Map<String, PolicySwitch> byTenant;
    private volatile Map<String, String> refused = Map.of();

    /**
     * @param configured tenant to its policy as the setting maps it (read from the policies directory)
     * @param newSwitch  a switch for a policy first named by a head, starting from that policy's active version
     */
    public TenantPolicies(PolicySwitch fallback, Map<String, Policy> configured, Function<Policy, PolicySwitch> newSwitch) {
        this.fallback = fallback;
        this.newSwitch = newSwitch;
        byId.put(fallback.enforcedId(), fallback);
        Map<String, PolicySwitch> mapped = new HashMap<>();
        Map<String, String> ids = new LinkedHashMap<>();
        configured.forEach((tenant, policy) -> {
            mapped.put(tenant, byId.computeIfAbsent(policy.id(), id -> newSwitch.apply(policy)));
            ids.put(tenant, policy.id());
        });
        this.configured = Map.copyOf(ids);
        this.byTenant = Map.copyOf(mapped);
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

    /** Tenant to the id of the policy that decides it, for the mapped tenants. */
    public Map<String, String> mapping() {
        Map<String, String> out = new TreeMap<>();
        byTenant.forEach((tenant, s) -> out.put(tenant, s.enforcedId()));
        return out;
    }

    /** Tenants a head moved to a policy this instance cannot enforce (no active version, another model), and why; they stay where they were. */
    public Map<String, String> refused() {
        return refused;
    }

    /** Every switch once, the default last (it publishes the catalog the API reads, after the others swapped). */
    public Collection<PolicySwitch> switches() {
        List<PolicySwitch> all = new ArrayList<>();
        byId.values().stream().filter(s -> s != fallback).forEach(all::add);
        all.add(fallback);
        return all;
    }

    @Override
    public synchronized void policiesChanged(PolicyCatalog catalog) {
        Map<String, String> wanted = new HashMap<>(configured);
        Map<String, PolicyHead> namedBy = new HashMap<>();
        for (PolicyHead h : catalog.heads()) {
            if (h.getTenants() != null) {
                h.getTenants().forEach(t -> namedBy.merge(t, h, TenantPolicies::later));
            }
        }
        namedBy.forEach((tenant, head) -> wanted.put(tenant, head.getPolicyId()));
        Map<String, PolicySwitch> next = new HashMap<>();
        Map<String, String> problems = new TreeMap<>();
        wanted.forEach((tenant, id) -> {
            PolicySwitch s = byId.get(id);
            if (s == null) {
                try {
                    PolicyVersion active = catalog.active(id).orElseThrow(() -> new ClipGuardException(ErrorCode.NO_ACTIVE_VERSION,
                            id + " has no active version"));
                    s = newSwitch.apply(PolicyFiles.parseVersion(id, active.getYaml(), active.getVersion()));
                    byId.put(id, s);
                } catch (ClipGuardException e) {
                    problems.put(tenant, "policy " + id + ": " + e.getMessage());
                    PolicySwitch before = byTenant.get(tenant);
                    if (before != null) {
                        next.put(tenant, before);
                    }
                    return;
                }
            }
            next.put(tenant, s);
        });
        // Every switch follows its head (a new one too) before tenants move to it; the default last.
        for (PolicySwitch s : switches()) {
            try {
                s.policiesChanged(catalog);
            } catch (RuntimeException e) {
                // One policy that fails to follow its head must not keep the others (the default last) from following theirs.
                LOG.severe("policy " + s.enforcedId() + ": could not follow the catalog: " + e);
            }
        }
        byTenant = Map.copyOf(next);
        refused = Map.copyOf(problems);
    }

    /** Of two heads naming one tenant, the one changed last (then the greater policy id: any fixed order). */
    private static PolicyHead later(PolicyHead a, PolicyHead b) {
        int byTime = a.getChangedAt().compareTo(b.getChangedAt());
        if (byTime != 0) {
            return byTime > 0 ? a : b;
        }
        return a.getPolicyId().compareTo(b.getPolicyId()) >= 0 ? a : b;
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
            if (kv.length != 2 || !TENANT.matcher(kv[0].strip()).matches() || !POLICY_ID.matcher(kv[1].strip()).matches()) {
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
