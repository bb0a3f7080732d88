package io.clipguard.kafka;

import io.clipguard.schema.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The {@code clipguard-source} header on a decision's output records: the upload they answer,
 * as {@code topic:partition:offset}. Readers of the decision topic (the live feed, the review
 * queue) find the upload with it without the audit record.
 */
public final class SourceHeader {
    public static final String NAME = "clipguard-source";
    /**
     * On a replayed upload (and so on its outputs): where the upload was first sent. A replay is
     * a new record of an old upload; ordering by it keeps an old upload from passing a newer one.
     */
    public static final String ORIGIN = "clipguard-origin";

    private SourceHeader() {
    }

    public static void write(Headers headers, SourcePosition source) {
        write(headers, NAME, source);
    }

    /** Sets header {@code name} to {@code source}. */
    public static void write(Headers headers, String name, SourcePosition source) {
        headers.remove(name);
        headers.add(name, (source.getTopic() + ":" + source.getPartition() + ":" + source.getOffset()).getBytes(StandardCharsets.UTF_8));
    }

    /** The upload a decision record answers; empty when it has no (readable) header. */
    public static Optional<SourcePosition> read(Headers headers) {
        return read(headers, NAME);
    }

    /** The position in header {@code name}; empty when there is none (or it is unreadable). */
    public static Optional<SourcePosition> read(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        if (h == null) {
            return Optional.empty();
        }
        if (h.value() == null || h.value().length > 512) {
            return Optional.empty();
        }
        String value = new String(h.value(), StandardCharsets.UTF_8);
        int last = value.lastIndexOf(':');
        int middle = last < 0 ? -1 : value.lastIndexOf(':', last - 1);
        try {
            return Optional.of(new SourcePosition(value.substring(0, middle), Integer.parseInt(value.substring(middle + 1, last)),
                    Long.parseLong(value.substring(last + 1))));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
