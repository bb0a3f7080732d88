package io.clipguard.api;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.util.Base64;

/** An image sent inside a JSON body as base64: bounded before it is decoded. */
final class ImageBody {
    /** The largest image decoded from a body (the HTTP server's own body limit may refuse a large body first, with 413). */
    static final int MAX_BYTES = 20 << 20;

    private ImageBody() {
    }

    /** The image's bytes; {@code IMAGE_TOO_LARGE} past {@link #MAX_BYTES}, {@code notBase64} when it is not base64. */
    static byte[] decode(String base64, ErrorCode notBase64) {
        if (base64.length() > MAX_BYTES / 3 * 4 + 4) {
            throw new ClipGuardException(ErrorCode.IMAGE_TOO_LARGE, "the image is over " + (MAX_BYTES >> 20) + " MiB");
        }
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new ClipGuardException(notBase64, "image is not base64: " + e.getMessage());
        }
    }
}
