package io.clipguard.telemetry;

import io.clipguard.schema.CategoryScore;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.StageTimings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The service's metrics, as Prometheus sees them at {@code /q/metrics} (docs/operators.md, Telemetry).
 * Label values come from closed sets only (actions, a policy's category ids, reason codes,
 * stages, partitions): never a content id or free text, and the tenant only when configured.
 * Every meter registered here is removed on {@link #close}, so nodes started and stopped in
 * one JVM leave nothing behind.
 */
public final class ModerationMetrics implements AutoCloseable {
    private static final Duration[] LATENCY_BUCKETS = buckets(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60);

    private final MeterRegistry registry;
    private final boolean tenantLabel;
    private final Set<Meter.Id> registered = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicLong> lags = new ConcurrentHashMap<>();
    private final Timer endToEnd;
    private final Map<String, Timer> stages = new ConcurrentHashMap<>();
    private final DistributionSummary batchSizes;
    /** Counters by their label values, so a decision costs a map lookup, not a registry lookup. */
    private final Map<List<String>, Counter> decisions = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    /** Per (policy id, category): the score histogram, the drift tracker and the version it tracks. */
    private final Map<List<String>, CategoryScores> categoryScores = new ConcurrentHashMap<>();
    private final int driftReference;
    private final int driftWindow;

    private record CategoryScores(DistributionSummary histogram, ScoreDrift drift, int[] version) {
    }

    /** Metrics with a drift reference and window of 1,000 decisions each. */
    public ModerationMetrics(Telemetry telemetry) {
        this(telemetry, 1000, 1000);
    }

    /**
     * @param driftReference decisions per policy version and category whose probabilities form the drift reference
     * @param driftWindow    the latest decisions per category compared with it
     */
    public ModerationMetrics(Telemetry telemetry, int driftReference, int driftWindow) {
        this.driftReference = driftReference;
        this.driftWindow = driftWindow;
        this.registry = telemetry.meters();
        this.tenantLabel = telemetry.tenantLabel();
        this.endToEnd = keep(Timer.builder("clipguard.decision.latency").description("From uploadedAt to the decision")
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry));
        for (String stage : new String[] {"fetch", "decode", "embed", "score"}) {
            stages.put(stage, keep(Timer.builder("clipguard.stage").description("Time per stage of one upload").tag("stage", stage)
                    .serviceLevelObjectives(LATENCY_BUCKETS).register(registry)));
        }
        this.batchSizes = keep(DistributionSummary.builder("clipguard.batch.size").description("Images per inference batch")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128).register(registry));
    }

    /** A decision was made (counted as it is forwarded, so an aborted transaction's retry counts again). */
    public void decided(ModerationDecision d) {
        List<String> labels = List.of(d.getAction().name(), d.getTriggeringCategory() == null ? "none" : d.getTriggeringCategory(),
                d.getPolicyId(), String.valueOf(d.getPolicyVersion()), tenantLabel ? d.getTenant() : "");
        decisions.computeIfAbsent(labels, l -> {
            Tags tags = Tags.of("action", l.get(0), "category", l.get(1), "policy_id", l.get(2), "policy_version", l.get(3));
            return keep(Counter.builder("clipguard.decisions").description("Decisions by action, triggering category and policy version")
                    .tags(tenantLabel ? tags.and("tenant", l.get(4)) : tags).register(registry));
        }).increment();
        for (CategoryScore score : d.getScores()) {
            CategoryScores c = categoryScores.computeIfAbsent(List.of(d.getPolicyId(), score.getCategory()), k -> categoryScores(k));
            synchronized (c) {
                if (c.version()[0] != d.getPolicyVersion()) {
                    c.version()[0] = d.getPolicyVersion();
                    c.drift().reset();
                }
            }
            c.histogram().record(score.getProbability());
            c.drift().add(score.getProbability());
        }
        StageTimings t = d.getTimings();
        endToEnd.record(Duration.ofMillis(t.getEndToEndMs()));
        stages.get("fetch").record(nanos(t.getFetchMs()));
        stages.get("decode").record(nanos(t.getDecodeMs()));
        stages.get("embed").record(nanos(t.getEmbedMs()));
        stages.get("score").record(nanos(t.getScoreMs()));
    }

    private CategoryScores categoryScores(List<String> key) {
        Tags tags = Tags.of("policy_id", key.get(0), "category", key.get(1));
        DistributionSummary histogram = keep(DistributionSummary.builder("clipguard.category.score")
                .description("Each category's probability per decision (its distribution is what drift compares)").tags(tags)
                .serviceLevelObjectives(0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99).register(registry));
        ScoreDrift drift = new ScoreDrift(driftReference, driftWindow);
        keep(Gauge.builder("clipguard.score.drift.psi", drift, ScoreDrift::psi).description("Population stability index of the category's "
                + "latest probabilities against the first ones of the policy version (0.25 and more: a different population)").tags(tags)
                .register(registry));
        return new CategoryScores(histogram, drift, new int[] {-1});
    }

    public void deadLettered(String reasonCode) {
        deadLetters.computeIfAbsent(reasonCode, r -> keep(Counter.builder("clipguard.dead.letters").description("Dead letters by reason code")
                .tag("reason", r).register(registry))).increment();
    }

    public void batch(int size) {
        batchSizes.record(size);
    }

    /** An upload attempt past its deadline was called off (it runs again, or becomes a dead letter). */
    public void attemptCalledOff() {
        keep(Counter.builder("clipguard.attempts.called.off").description("Upload attempts called off at their deadline").register(registry))
                .increment();
    }

    /** Uploads a task took over in flight (after a restart, a rebalance or a fenced producer) and starts again. */
    public void uploadsRedone(int n) {
        keep(Counter.builder("clipguard.uploads.redone").description("Uploads in flight at a hand-over, started again by the new owner")
                .register(registry)).increment(n);
    }

    /** A gauge read from {@code value} at each scrape. */
    public void gauge(String name, String description, Supplier<Number> value) {
        keep(Gauge.builder(name, value).description(description).register(registry));
    }

    /** A counter read from {@code total} at each scrape (a count kept elsewhere). */
    public void counter(String name, String description, Tags tags, Supplier<Number> total) {
        keep(FunctionCounter.builder(name, total, s -> s.get().doubleValue()).description(description).tags(tags).register(registry));
    }

    /** An info metric: value 1, the facts as labels. */
    public void info(String name, String description, Tags facts) {
        keep(Gauge.builder(name, () -> 1).description(description).tags(facts).register(registry));
    }

    /** Sets the consumer lag of one partition; partitions not in {@code owned} anymore are dropped. */
    public void lag(String topic, int partition, long lag) {
        lags.computeIfAbsent(topic + "/" + partition, k -> {
            AtomicLong holder = new AtomicLong();
            keep(Gauge.builder("clipguard.consumer.lag", holder, AtomicLong::get).description("Uploads not yet consumed, per partition owned here")
                    .tags("topic", topic, "partition", String.valueOf(partition)).register(registry));
            return holder;
        }).set(lag);
    }

    /** Forgets the lag gauges of partitions this instance no longer owns. */
    public void retainLag(Set<String> topicSlashPartition) {
        lags.keySet().removeIf(k -> {
            if (topicSlashPartition.contains(k)) {
                return false;
            }
            String[] tp = k.split("/");
            Meter m = registry.find("clipguard.consumer.lag").tags("topic", tp[0], "partition", tp[1]).meter();
            if (m != null) {
                registry.remove(m);
                registered.remove(m.getId());
            }
            return true;
        });
    }

    private <M extends Meter> M keep(M meter) {
        registered.add(meter.getId());
        return meter;
    }

    @Override
    public void close() {
        registered.forEach(registry::remove);
        registered.clear();
        decisions.clear();
        deadLetters.clear();
        categoryScores.clear();
    }

    private static Duration nanos(double millis) {
        return Duration.ofNanos((long) (millis * 1e6));
    }

    private static Duration[] buckets(double... seconds) {
        Duration[] out = new Duration[seconds.length];
        for (int i = 0; i < seconds.length; i++) {
            out[i] = Duration.ofNanos((long) (seconds[i] * 1e9));
        }
        return out;
    }
}
