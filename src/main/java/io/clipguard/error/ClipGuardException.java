package io.clipguard.error;

import java.util.List;

/**
 * A failure with a stable {@link ErrorCode}: the one exception type that crosses package
 * boundaries. The message says what was received and what was expected; {@link #errors()}
 * lists each problem alone where there are several (a policy's schema errors, by field path),
 * so that an editor can show them inline.
 */
public class ClipGuardException extends RuntimeException {
    private final ErrorCode code;
    private final List<String> errors;

    public ClipGuardException(ErrorCode code, String message) {
        this(code, message, List.of(message), null);
    }

    public ClipGuardException(ErrorCode code, String message, Throwable cause) {
        this(code, message, List.of(message), cause);
    }

    public ClipGuardException(ErrorCode code, String message, List<String> errors) {
        this(code, message, errors, null);
    }

    private ClipGuardException(ErrorCode code, String message, List<String> errors, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.errors = List.copyOf(errors);
    }

    public ErrorCode code() {
        return code;
    }

    public List<String> errors() {
        return errors;
    }
}
