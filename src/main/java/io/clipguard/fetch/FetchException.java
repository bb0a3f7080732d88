package io.clipguard.fetch;

/** An image reference that could not be fetched, with a stable reason code. */
public final class FetchException extends Exception {
    private final String code;

    public FetchException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
