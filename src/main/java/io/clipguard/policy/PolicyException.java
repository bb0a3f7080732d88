package io.clipguard.policy;

import java.util.List;

/**
 * A policy document that cannot be used. {@link #code()} is stable: {@code POLICY_INVALID}
 * for a document that fails parsing or its schema, {@code POLICY_MODEL_MISMATCH} for one
 * calibrated for another model. {@link #errors()} lists each problem alone (for schema
 * failures: "/field/path: what was expected"), so an editor can show them inline.
 */
public final class PolicyException extends RuntimeException {
    public static final String INVALID = "POLICY_INVALID";
    public static final String MODEL_MISMATCH = "POLICY_MODEL_MISMATCH";

    private final String code;
    private final List<String> errors;

    public PolicyException(String message) {
        this(INVALID, message, List.of(message));
    }

    public PolicyException(String code, String message, List<String> errors) {
        super(message);
        this.code = code;
        this.errors = List.copyOf(errors);
    }

    public String code() {
        return code;
    }

    public List<String> errors() {
        return errors;
    }
}
