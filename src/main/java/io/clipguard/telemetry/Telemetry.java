package io.clipguard.telemetry;

import io.clipguard.config.ClipGuardConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A node's traces and metrics. Each node owns its OpenTelemetry SDK (tests run several nodes
 * in one JVM, each with its own exporter), always sampling so every decision names its trace;
 * spans leave the process only when an OTLP endpoint is configured. Metrics go to the
 * Micrometer registry the application exports at {@code /q/metrics}.
 */
public final class Telemetry implements AutoCloseable {
    /** The instrumentation scope of every ClipGuard span. */
    public static final String SCOPE = "io.clipguard";

    private final OpenTelemetry openTelemetry;
    private final SdkTracerProvider provider;
    private final MeterRegistry meters;
    private final boolean tenantLabel;

    private Telemetry(OpenTelemetry openTelemetry, SdkTracerProvider provider, MeterRegistry meters, boolean tenantLabel) {
        this.openTelemetry = openTelemetry;
        this.provider = provider;
        this.meters = meters;
        this.tenantLabel = tenantLabel;
    }

    /**
     * Tracing for a running instance: spans exported over OTLP/HTTP to {@code otlpEndpoint}
     * (its {@code /v1/traces}) in batches, or recorded and dropped without one.
     */
    public static Telemetry of(Optional<String> otlpEndpoint, String serviceName, String instanceId, MeterRegistry meters,
                               boolean tenantLabel) {
        SpanExporter exporter = otlpEndpoint.map(e -> (SpanExporter) OtlpHttpSpanExporter.builder()
                .setEndpoint(e.replaceAll("/+$", "") + "/v1/traces").build()).orElse(null);
        return build(serviceName, instanceId, exporter == null ? null : BatchSpanProcessor.builder(exporter).build(), meters, tenantLabel);
    }

    /** The telemetry of an instance from its settings, its metrics in {@code meters}. */
    public static Telemetry from(ClipGuardConfig.Telemetry t, String instanceId, MeterRegistry meters) {
        return of(t.otlpEndpoint(), t.serviceName(), instanceId, meters, t.tenantLabel());
    }

    /** Every span handed to {@code exporter} as it ends (tests, with an in-memory exporter). */
    public static Telemetry exportingTo(SpanExporter exporter, MeterRegistry meters) {
        return build("clipguard", "test", SimpleSpanProcessor.create(exporter), meters, false);
    }

    /** No tracing, metrics kept in memory: tools and tests that look at neither. */
    public static Telemetry none() {
        return new Telemetry(OpenTelemetry.noop(), null, new SimpleMeterRegistry(), false);
    }

    private static Telemetry build(String serviceName, String instanceId, io.opentelemetry.sdk.trace.SpanProcessor processor,
                                   MeterRegistry meters, boolean tenantLabel) {
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), serviceName,
                AttributeKey.stringKey("service.instance.id"), instanceId)));
        SdkTracerProviderBuilder builder = SdkTracerProvider.builder().setResource(resource)
                .setSampler(Sampler.parentBased(Sampler.alwaysOn()));
        if (processor != null) {
            builder.addSpanProcessor(processor);
        }
        SdkTracerProvider provider = builder.build();
        OpenTelemetry sdk = OpenTelemetrySdk.builder().setTracerProvider(provider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
        return new Telemetry(sdk, provider, meters, tenantLabel);
    }

    public Tracer tracer() {
        return openTelemetry.getTracer(SCOPE);
    }

    public OpenTelemetry openTelemetry() {
        return openTelemetry;
    }

    public MeterRegistry meters() {
        return meters;
    }

    public boolean tenantLabel() {
        return tenantLabel;
    }

    /** Exports what is buffered and stops; the meter registry belongs to the application and stays. */
    @Override
    public void close() {
        if (provider != null) {
            provider.shutdown().join(10, TimeUnit.SECONDS);
        }
    }
}
