package io.clipguard.cli;

/** A command-line failure with a stable code, printed as {@code CODE: message} with its exit status. */
final class CliFailure extends RuntimeException {
    static final int USAGE = 2;
    static final int MODEL = 3;
    static final int IMAGE = 4;
    static final int FILE = 5;
    static final int KAFKA = 6;

    private final String code;
    private final int exitCode;

    CliFailure(String code, int exitCode, String message) {
        super(message);
        this.code = code;
        this.exitCode = exitCode;
    }

    String code() {
        return code;
    }

    int exitCode() {
        return exitCode;
    }
}
