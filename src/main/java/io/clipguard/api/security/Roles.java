package io.clipguard.api.security;

import java.util.Set;

/**
 * The roles. Viewers read policies and decisions with their audit records; editors write
 * drafts, validate and backtest; publishers publish, shadow and roll back; services (accounts
 * of other systems) read decisions only, without audit records (no source URIs). Roles add up:
 * a user holds each role they need.
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

    private Roles() {
    }
}
