package io.clipguard.policy.catalog;

import java.util.List;

/**
 * A policy command that cannot be carried out, with a stable code and the HTTP status an
 * API answers with: 400 invalid document, 403 two-person rule, 404 unknown policy or
 * version, 409 a state conflict (publishing the active version, rolling back to a draft).
 */
public final class PolicyCommandException extends RuntimeException {
    private final int status;
    private final String code;
    private final List<String> errors;

    public PolicyCommandException(int status, String code, String message) {
        this(status, code, message, List.of(message));
    }

    public PolicyCommandException(int status, String code, String message, List<String> errors) {
        super(message);
        this.status = status;
        this.code = code;
        this.errors = List.copyOf(errors);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public List<String> errors() {
        return errors;
    }
}
