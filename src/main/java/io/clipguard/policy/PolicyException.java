package io.clipguard.policy;

/** A policy document that cannot be used; {@link #code()} is stable ({@code POLICY_INVALID}). */
public final class PolicyException extends RuntimeException {
    public PolicyException(String message) {
        super(message);
    }

    public String code() {
        return "POLICY_INVALID";
    }
}
