package io.clipguard.moderation.kafka;

import io.clipguard.kafka.TraceHeaders;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Caps on an upload record's headers (documented with the event's field caps): headers are
 * the producer's to set and nothing else measures them, so an upload over a cap is refused as
 * {@code FIELD_TOO_LARGE} before any work. Its dead letter carries none of them, and no output
 * carries any but ClipGuard's own ({@link TraceHeaders#forOutput}).
 */
final class UploadHeaders {
    static final int MAX_HEADERS = 64;
    static final int MAX_BYTES = 16 * 1024;

    private UploadHeaders() {
    }

    /** What is over its cap, in words, or null when nothing is. */
    static String overCap(Headers headers) {
        int count = 0;
        for (Header ignored : headers) {
            count++;
        }
        if (count > MAX_HEADERS) {
            return "record has " + count + " headers, at most " + MAX_HEADERS;
        }
        int bytes = TraceHeaders.bytes(headers);
        return bytes > MAX_BYTES ? "record headers take " + bytes + " bytes, at most " + MAX_BYTES : null;
    }
}
