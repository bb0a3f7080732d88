package io.clipguard.image;

/** Stable reason codes for images that cannot be used; they cross into dead letters and exit codes. */
public enum ImageError {
    IMAGE_EMPTY,
    IMAGE_CORRUPT,
    IMAGE_UNSUPPORTED_FORMAT,
    IMAGE_TOO_LARGE
}
