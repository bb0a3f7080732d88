package io.clipguard.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Spans leave the process only to a configured OTLP endpoint; without one they still name their trace. */
class TelemetryTest {
    @Test
    void spansAreExportedOverOtlpHttpOnlyWhenAnEndpointIsConfigured() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/", ex -> {
            received.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " " + ex.getRequestHeaders().getFirst("Content-Type")
                    + " " + ex.getRequestBody().readAllBytes().length);
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        collector.start();
        try {
            try (Telemetry exporting = Telemetry.of(Optional.of("http://127.0.0.1:" + collector.getAddress().getPort() + "/"), "clipguard",
                    "test-1", new SimpleMeterRegistry(), false)) {
                exporting.tracer().spanBuilder("moderate").startSpan().end();
            }
            assertThat(received).singleElement().satisfies(r -> assertThat(r).startsWith("POST /v1/traces application/x-protobuf"));

            try (Telemetry silent = Telemetry.of(Optional.empty(), "clipguard", "test-2", new SimpleMeterRegistry(), false)) {
                Span span = silent.tracer().spanBuilder("moderate").startSpan();
                assertThat(span.getSpanContext().isValid()).as("decisions still name their trace").isTrue();
                assertThat(span.getSpanContext().isSampled()).isTrue();
                span.end();
            }
            assertThat(received).as("nothing sent without an endpoint").hasSize(1);
        } finally {
            collector.stop(0);
        }
    }
}
