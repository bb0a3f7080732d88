package io.clipguard.moderation.kafka;

import io.clipguard.telemetry.ModerationMetrics;
import io.clipguard.telemetry.Telemetry;
import io.opentelemetry.api.trace.Tracer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the moderation processor reports: a span per upload (its stages are children), a count
 * per outcome, and the uploads in flight across all tasks of this instance.
 */
public record StreamTelemetry(Tracer tracer, ModerationMetrics metrics, AtomicLong inFlight) {
    public static StreamTelemetry of(Telemetry telemetry, ModerationMetrics metrics) {
        return new StreamTelemetry(telemetry.tracer(), metrics, new AtomicLong());
    }

    /** Spans dropped, metrics in memory: topology tests that look at neither. */
    public static StreamTelemetry none() {
        Telemetry none = Telemetry.none();
        return of(none, new ModerationMetrics(none));
    }
}
