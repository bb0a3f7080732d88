package io.clipguard.node;

import io.clipguard.clip.EmbeddingBatcher;
import io.clipguard.config.ClipGuardConfig;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.fetch.AddressPolicy;
import io.clipguard.fetch.FetchSettings;
import io.clipguard.image.DecodeLimits;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.live.DecisionFeed;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.moderation.Moderator;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.catalog.PolicyFileSync;
import io.clipguard.review.ReviewQueue;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.stream.AvroSerde;
import io.clipguard.stream.InFlightWindow;
import io.clipguard.stream.LagMonitor;
import io.clipguard.stream.ModerationService;
import io.clipguard.stream.PolicyControl;
import io.clipguard.stream.ServiceSettings;
import io.clipguard.stream.SourceReader;
import io.clipguard.stream.StreamTelemetry;
import io.clipguard.stream.TopicCreator;
import io.clipguard.stream.TopicRegistry;
import io.clipguard.telemetry.ModerationMetrics;
import io.clipguard.telemetry.Telemetry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One running ClipGuard instance, built in one place for {@code serve}, {@code demo}, the
 * benchmarks and the tests: Kafka clients (checked against the broker first), the topics
 * (created once), the model runtime, the policy desk with the policy files applied, and the
 * Kafka Streams service. Closed in reverse order.
 */
public final class ClipGuardNode implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClipGuardNode.class.getName());
    static final String BUNDLED_POLICY = "policies/demo-shapes.yaml";
    private static final Duration STARTUP = Duration.ofMinutes(2);
    private static final Duration FEED_HISTORY = Duration.ofMinutes(10);

    private final Settings settings;
    private final EmbeddedKafka embedded;
    private final KafkaClients clients;
    private final TopicRegistry topics;
    private final ModerationRuntime runtime;
    private final PolicyControl control;
    private final ModerationService service;
    private final Telemetry telemetry;
    private final ModerationMetrics metrics;
    private final LagMonitor lag;
    private DecisionFeed feed;
    private final ReviewQueue reviews;

    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "clipguard-node");
        t.setDaemon(true);
        return t;
    });

    private ClipGuardNode(Settings settings, EmbeddedKafka embedded, KafkaClients clients, TopicRegistry topics,
                          ModerationRuntime runtime, PolicyControl control, ModerationService service, Telemetry telemetry,
                          ModerationMetrics metrics) {
        this.settings = settings;
        this.embedded = embedded;
        this.clients = clients;
        this.topics = topics;
        this.runtime = runtime;
        this.control = control;
        this.service = service;
        this.telemetry = telemetry;
        this.metrics = metrics;
        this.lag = new LagMonitor(clients, service.settings().applicationId(), topics.uploaded().name(), service.streams(), metrics);
        this.reviews = new ReviewQueue(clients, topics, settings.app().reviews().lease(), settings.app().reviews().history(), Clock.systemUTC());
        bindGauges();
        // A model down for everything pauses processing (nothing turns into dead letters) until it answers again.
        runtime.batcher().health().onChange(available -> {
            if (available) {
                LOG.info("model answers again: resuming processing");
                service.streams().resume();
            } else {
                LOG.severe("model unavailable: pausing processing");
                service.streams().pause();
            }
        });
        housekeeping.scheduleWithFixedDelay(() -> service.refreshLimits(clients), 1, 1, TimeUnit.MINUTES);
        long lagMillis = settings.app().telemetry().lagInterval().toMillis();
        housekeeping.scheduleWithFixedDelay(lag::measure, 0, lagMillis, TimeUnit.MILLISECONDS);
    }

    /** The gauges read from the parts at each scrape (README, Telemetry). */
    private void bindGauges() {
        EmbeddingBatcher batcher = runtime.batcher();
        metrics.gauge("clipguard.images.in.flight", "Uploads admitted and not yet answered, all partitions of this instance",
                () -> service.inFlight());
        metrics.gauge("clipguard.inference.queue", "Images waiting for the next inference batch", batcher::queued);
        metrics.counter("clipguard.inference.errors", "Inference runs that failed (whole batches and single images)", Tags.empty(),
                batcher::failures);
        metrics.counter("clipguard.policy.reloads", "Policy versions swapped in, and heads refused", Tags.of("outcome", "applied"),
                runtime.policies()::reloads);
        metrics.counter("clipguard.policy.reloads", "Policy versions swapped in, and heads refused", Tags.of("outcome", "refused"),
                runtime.policies()::refusals);
        metrics.gauge("clipguard.model.available", "1 while the model answers, 0 while it is down", () -> batcher.health().available() ? 1 : 0);
        metrics.gauge("clipguard.processing.paused", "1 while processing is paused for a model that does not answer", () -> paused() ? 1 : 0);
        metrics.gauge("clipguard.policy.version", "The policy version this instance enforces", () -> runtime.policy().policy().version());
        metrics.gauge("clipguard.review.queue.depth", "Decisions sent to review that wait for a verdict", reviews::depth);
        metrics.gauge("clipguard.review.oldest.seconds", "Age of the oldest decision waiting for a verdict", reviews::oldestAgeSeconds);
        metrics.info("clipguard.model.info", "The loaded model", Tags.of("model_id", runtime.engine().identity().id(),
                "model_digest", runtime.engine().identity().digest(), "execution_provider", runtime.engine().provider()));
    }

    /**
     * Starts an instance. Without {@code embeddedKafka} the bootstrap servers must be set
     * ({@code KAFKA_NOT_CONFIGURED} otherwise: a missing variable never becomes a temporary
     * broker); Kafka refusing the credentials is {@code KAFKA_AUTH_FAILED} before anything else starts.
     */
    public static ClipGuardNode start(Settings settings, boolean embeddedKafka) throws InterruptedException {
        return start(settings, embeddedKafka, UnaryOperator.identity());
    }

    /** The same, with the model the batcher runs wrapped by {@code model} (tests make it fail on demand). */
    public static ClipGuardNode start(Settings settings, boolean embeddedKafka, UnaryOperator<EmbeddingBatcher.ImageModel> model)
            throws InterruptedException {
        return start(settings, embeddedKafka, model, instance -> telemetry(settings.app(), instance, new SimpleMeterRegistry()));
    }

    /** The telemetry of an instance from its settings, its metrics in {@code meters}. */
    public static Telemetry telemetry(ClipGuardConfig c, String instance, MeterRegistry meters) {
        ClipGuardConfig.Telemetry t = c.telemetry();
        return Telemetry.of(t.otlpEndpoint(), t.serviceName(), instance, meters, t.tenantLabel());
    }

    /**
     * The same, traced and measured by the telemetry {@code telemetry} makes for the instance id
     * (the application's meter registry in {@code serve}; an in-memory span exporter in tests).
     */
    public static ClipGuardNode start(Settings settings, boolean embeddedKafka, UnaryOperator<EmbeddingBatcher.ImageModel> model,
                                      Function<String, Telemetry> telemetry) throws InterruptedException {
        ClipGuardConfig c = settings.app();
        EmbeddedKafka embedded = null;
        ModerationRuntime runtime = null;
        PolicyControl control = null;
        ModerationService service = null;
        Telemetry traced = null;
        ModerationMetrics metrics = null;
        try {
            KafkaClients clients;
            if (embeddedKafka) {
                embedded = EmbeddedKafka.start();
                clients = KafkaClients.of(embedded.bootstrapServers());
            } else {
                clients = KafkaClients.from(settings);
                clients.requireBootstrapServers();
            }
            LOG.info("Kafka client settings: " + clients.describe());
            clients.check();
            TopicRegistry topics = TopicRegistry.from(c.topics());
            TopicCreator.ensure(clients, topics.service());
            String instance = instanceId(c);
            traced = telemetry.apply(instance);
            runtime = ModerationRuntime.open(runtimeSettings(c, instance, model), traced);
            metrics = new ModerationMetrics(traced);
            runtime.batcher().observe(traced.tracer(), metrics::batch);
            // The model must answer once before anything is taken in (and the first batch is not the slow one).
            runtime.batcher().embed(new float[runtime.engine().preprocess().tensorSize()]);
            control = new PolicyControl(clients, topics, runtime.policies(), runtime.engine().identity().digest(), instance,
                    c.policies().twoPersonRule(), c.policies().filesRule());
            applyPolicyFiles(c, control, runtime);
            service = new ModerationService(clients, serviceSettings(settings, instance, topics), runtime,
                    StreamTelemetry.of(traced, metrics));
            service.refreshLimits(clients);
            service.start();
            service.awaitRunning(STARTUP);
            if (c.policies().watch()) {
                control.watchFiles(c.policies().watchInterval().toMillis());
            }
            return new ClipGuardNode(settings, embedded, clients, topics, runtime, control, service, traced, metrics);
        } catch (RuntimeException | InterruptedException e) {
            closeAll(service, control, runtime, metrics, traced, embedded);
            throw e;
        }
    }

    public Settings settings() {
        return settings;
    }

    public KafkaClients clients() {
        return clients;
    }

    /** The embedded broker this node started, or null. */
    public EmbeddedKafka embeddedKafka() {
        return embedded;
    }

    public TopicRegistry topics() {
        return topics;
    }

    public ModerationRuntime runtime() {
        return runtime;
    }

    public PolicyControl policies() {
        return control;
    }

    public ModerationService service() {
        return service;
    }

    public ModerationMetrics metrics() {
        return metrics;
    }

    public Telemetry telemetry() {
        return telemetry;
    }

    /** Consumer lag of the partitions owned here, at the last measurement. */
    public long lag() {
        return lag.total();
    }

    /**
     * The live feed of every instance's decisions and dead letters (the dashboard's), started on
     * first use with the last ten minutes read back for the charts.
     */
    public synchronized DecisionFeed feed() {
        if (feed == null) {
            feed = new DecisionFeed(clients, topics, FEED_HISTORY);
        }
        return feed;
    }

    /**
     * A thumbnail of the upload at {@code partition}/{@code offset} of the uploads topic, read
     * again from Kafka (or fetched again from its URI) and rendered now, never stored; empty when
     * the record is gone or is not {@code contentId}'s.
     */
    public Optional<byte[]> thumbnail(String contentId, int partition, long offset, int maxSide) {
        ConsumerRecord<byte[], byte[]> r = SourceReader.kafka(clients).one(topics.uploaded().name(), partition, offset).orElse(null);
        if (r == null || r.key() == null || !contentId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
            return Optional.empty();
        }
        ImageUploaded event;
        try {
            event = AvroSerde.IMAGE_UPLOADED.decode(r.value());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.of(runtime.thumbnails().render(Moderator.imageBytes(event, runtime.fetcher()), maxSide));
    }

    /** The review queue (every instance's view of the same queue). */
    public ReviewQueue reviews() {
        return reviews;
    }

    /** When the broker last answered this instance's admin client (lag measurement); null before the first answer. */
    public Instant brokerAnsweredAt() {
        return lag.answeredAt();
    }

    /** Whether processing is paused (only this node's model listener pauses it: because the model does not answer). */
    public boolean paused() {
        return service.streams().isPaused();
    }

    @Override
    public void close() {
        housekeeping.shutdownNow();
        DecisionFeed live;
        synchronized (this) {
            live = feed;
        }
        closeAll(live, reviews, service, lag, control, runtime, metrics, telemetry, embedded);
    }

    /** The instance id: configured, else the host name (stable across restarts; it also names the state directory). */
    static String instanceId(ClipGuardConfig c) {
        return c.stream().instanceId().orElseGet(() -> {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                return "localhost";
            }
        });
    }

    static ServiceSettings serviceSettings(Settings settings, String instance, TopicRegistry topics) {
        ClipGuardConfig.Stream s = settings.app().stream();
        Path state = s.stateDir().orElse(Path.of(System.getProperty("java.io.tmpdir"), "clipguard-state", instance));
        String advertised = settings.app().http().advertised()
                .orElse("localhost:" + settings.raw("quarkus.http.port").orElse("8080"));
        ClipGuardConfig.Batching b = settings.app().batching();
        return new ServiceSettings(s.applicationId(), instance, state, s.threads(), s.commitInterval(), s.maxPollRecords(), advertised,
                topics, new InFlightWindow(b.inFlightRecords(), b.inFlightBytes(), s.completionInterval(), b.recordDeadline()));
    }

    /** The model runtime alone (model, batcher, policy switch, moderator), as an instance opens it: for tools and topology tests. */
    public static ModerationRuntime openRuntime(Settings settings) {
        return openRuntime(settings, Telemetry.none());
    }

    /** The same, traced (the batcher's spans too) with {@code telemetry}. */
    public static ModerationRuntime openRuntime(Settings settings, Telemetry telemetry) {
        ModerationRuntime runtime = ModerationRuntime.open(runtimeSettings(settings.app(), instanceId(settings.app()), UnaryOperator.identity()),
                telemetry);
        runtime.batcher().observe(telemetry.tracer(), size -> { });
        return runtime;
    }

    static ModerationRuntime.Settings runtimeSettings(ClipGuardConfig c, String instance, UnaryOperator<EmbeddingBatcher.ImageModel> model) {
        ClipGuardConfig.Decode d = c.decode();
        return new ModerationRuntime.Settings(Models.dir(c.model()), Models.options(c.model()), enforcedPolicy(c),
                c.batching().maxBatch(), c.batching().maxWait(), c.batching().prepareThreads(),
                new DecodeLimits(d.maxBytes(), d.maxWidth(), d.maxHeight(), d.maxPixels(), d.maxFrames(), d.cpuDeadline()), d.reduced(),
                fetchSettings(c), instance, model);
    }

    /** The fetch allow-list and limits from the settings (also for tools that fetch an upload's image again). */
    public static FetchSettings fetchSettings(ClipGuardConfig c) {
        ClipGuardConfig.Fetch f = c.fetch();
        Set<String> hosts = f.allowedHosts().orElse(List.of()).stream().map(String::trim).filter(h -> !h.isEmpty())
                .map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        List<AddressPolicy.Network> networks;
        try {
            networks = f.allowedNetworks().orElse(List.of()).stream().filter(n -> !n.isBlank()).map(AddressPolicy.Network::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new ClipGuardException(ErrorCode.CONFIG_INVALID, "clipguard.fetch.allowed-networks: " + e.getMessage());
        }
        return new FetchSettings(hosts, networks, f.connectTimeout(), f.readTimeout(), f.deadline(), f.minBytesPerSecond(),
                f.maxBytes(), f.maxRedirects(), f.fileRoot().orElse(null));
    }

    /** The policy whose id this instance enforces: {@code clipguard.policies.file}, else the bundled demo policy. */
    static Policy enforcedPolicy(ClipGuardConfig c) {
        return c.policies().file().map(PolicyFiles::read).orElseGet(() -> PolicyFiles.parse(bundledPolicy(), BUNDLED_POLICY));
    }

    /**
     * Applies the policy files whose content changed: every file in the policies directory
     * and the enforced policy's file; the bundled demo policy when no file named the enforced id.
     */
    private static void applyPolicyFiles(ClipGuardConfig c, PolicyControl control, ModerationRuntime runtime) {
        List<Path> extra = new ArrayList<>();
        c.policies().file().ifPresent(extra::add);
        var applied = control.applyFiles(PolicyFileSync.policyFiles(c.policies().dir(), extra));
        String enforced = runtime.policies().enforcedId();
        if (applied.stream().noneMatch(a -> a.policyId().equals(enforced))) {
            control.applyText(bundledPolicy(), "bundled:" + BUNDLED_POLICY);
        }
    }

    static String bundledPolicy() {
        try (InputStream in = ClipGuardNode.class.getClassLoader().getResourceAsStream(BUNDLED_POLICY)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("bundled demo policy unreadable", e);
        }
    }

    private static void closeAll(AutoCloseable... parts) {
        for (AutoCloseable c : parts) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.warning("closing " + c + ": " + e);
                }
            }
        }
    }
}
