package io.clipguard.image;

/** An image that cannot be decoded, with its stable {@link ImageError} code. */
public final class ImageException extends Exception {
    private final ImageError error;

    public ImageException(ImageError error, String message) {
        super(message);
        this.error = error;
    }

    public ImageException(ImageError error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    public ImageError error() {
        return error;
    }

    public String code() {
        return error.name();
    }
}
