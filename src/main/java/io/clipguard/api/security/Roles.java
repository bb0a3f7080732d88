package io.clipguard.api.security;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The roles. Viewers read policies and decisions with their audit records; editors write
 * drafts, validate and backtest; publishers publish, shadow and roll back; services (accounts
 * of other systems) read decisions only, without audit records (no source URIs). Roles add up:
 * a user holds each role they need. Editor and publisher may be scoped to policies
 * ({@code editor@market-policy}), so the marketplace team cannot change the kids' policy.
 */
public final class Roles {
    public static final String VIEWER = "viewer";
    public static final String EDITOR = "editor";
    public static final String PUBLISHER = "publisher";
    public static final String SERVICE = "service";
    /** Gives verdicts on decisions sent to review ({@code /reviews}, the review page). */
    public static final String REVIEWER = "reviewer";
    /** Adds and removes bank entries ({@code /banks}); publishers may too. */
    public static final String BANKER = "banker";
    public static final Set<String> ALL = Set.of(VIEWER, EDITOR, PUBLISHER, SERVICE, REVIEWER, BANKER);
    private static final Pattern SCOPED = Pattern.compile("(" + EDITOR + "|" + PUBLISHER + ")@([A-Za-z0-9._-]{1,64})");

    private Roles() {
    }

    /** Whether {@code role} is one a user may hold: a role, or a scopable role scoped to a policy id ({@code publisher@market-policy}). */
    public static boolean known(String role) {
        return ALL.contains(role) || SCOPED.matcher(role).matches();
    }

    /**
     * The roles an identity carries for {@code held}: each as held, and for a scoped role its
     * plain role too, so the endpoint's role check admits the user and {@link #mayAct} narrows
     * it to the policies named.
     */
    public static Set<String> expand(Set<String> held) {
        Set<String> out = new LinkedHashSet<>(held);
        held.stream().map(SCOPED::matcher).filter(Matcher::matches).forEach(m -> out.add(m.group(1)));
        return out;
    }

    /** Whether {@code roles} hold {@code role} for every policy: the role, and no scoped form of it. */
    public static boolean everywhere(Set<String> roles, String role) {
        String prefix = role + "@";
        return roles.contains(role) && roles.stream().noneMatch(r -> r.startsWith(prefix));
    }

    /**
     * Whether someone holding {@code roles} may act as {@code role} on policy {@code policyId}: they
     * hold the role, and either no scoped form of it (the role covers every policy) or the one
     * scoped to this policy. Scoping narrows: {@code editor} with {@code editor@kids-policy} edits
     * the kids' policy only.
     */
    public static boolean mayAct(Set<String> roles, String role, String policyId) {
        if (!roles.contains(role)) {
            return false;
        }
        return everywhere(roles, role) || roles.contains(role + "@" + policyId);
    }
}
