package io.clipguard.api.security;

import java.util.Set;

/**
 * The policy roles. Viewers read; editors write drafts, validate and backtest; publishers
 * publish, shadow and roll back. Roles add up: a user holds each role they need.
 */
public final class Roles {
    public static final String VIEWER = "viewer";
    public static final String EDITOR = "editor";
    public static final String PUBLISHER = "publisher";
    public static final Set<String> ALL = Set.of(VIEWER, EDITOR, PUBLISHER);

    private Roles() {
    }
}
