package io.clipguard.kafka;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * W3C trace context ({@code traceparent}, {@code tracestate}) in Kafka record headers: the
 * upload's header is the parent of its moderation trace, and every output carries the header
 * of that trace instead of the one it came with. Header values from a producer are untrusted:
 * the propagator ignores a malformed one (the trace then starts here), and values over 512
 * bytes are not even read.
 */
public final class TraceHeaders {
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final int MAX_VALUE_BYTES = 512;

    private static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            headers.forEach(h -> keys.add(h.key()));
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            Header h = headers == null ? null : headers.lastHeader(key);
            return h == null || h.value() == null || h.value().length > MAX_VALUE_BYTES ? null : new String(h.value(), StandardCharsets.UTF_8);
        }
    };

    private static final TextMapSetter<Headers> SETTER = (headers, key, value) -> {
        if (headers != null) {
            headers.remove(key);
            headers.add(key, value.getBytes(StandardCharsets.UTF_8));
        }
    };

    private TraceHeaders() {
    }

    /** The upstream trace context of a record, or the root context when it has none (or a malformed one). */
    public static Context extract(Headers headers) {
        return W3C.extract(Context.root(), headers, GETTER);
    }

    /**
     * The trace headers of an output: the trace context of {@code context}. Nothing a producer
     * attached to the input travels on (no header of an upload can make its outputs too large
     * for the broker, or claim to be ClipGuard's); the caller adds ClipGuard's own headers.
     */
    public static Headers forOutput(Headers input, Context context) {
        RecordHeaders out = new RecordHeaders();
        W3C.inject(context, out, SETTER);
        return out;
    }

    /** The bytes {@code headers} add to a record (keys, values and their length prefixes). */
    public static int bytes(Headers headers) {
        int n = 0;
        for (Header h : headers) {
            n += h.key().getBytes(StandardCharsets.UTF_8).length + (h.value() == null ? 0 : h.value().length) + 10;
        }
        return n;
    }
}
