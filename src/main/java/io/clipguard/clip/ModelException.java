package io.clipguard.clip;

/**
 * A model directory that cannot be used: a file missing or unreadable, or a graph whose
 * inputs and outputs do not fit what CLIP needs. Messages name the file and say what was
 * expected and what was found; {@link #code()} is stable for callers that map it.
 */
public final class ModelException extends RuntimeException {
    public static final String MODEL_INVALID = "MODEL_INVALID";
    public static final String PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE";
    public static final String INFERENCE_FAILED = "INFERENCE_FAILED";

    private final String code;

    public ModelException(String code, String message) {
        super(message);
        this.code = code;
    }

    public ModelException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public static ModelException invalid(String message) {
        return new ModelException(MODEL_INVALID, message);
    }

    public String code() {
        return code;
    }
}
