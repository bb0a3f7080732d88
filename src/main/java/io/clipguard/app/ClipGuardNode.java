package io.clipguard.app;

import io.clipguard.bank.Banks;
import io.clipguard.bank.kafka.BankLog;
import io.clipguard.clip.EmbeddingBatcher;
import io.clipguard.config.ClipGuardConfig;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.image.DecodeMemory;
import io.clipguard.insight.kafka.DecisionFeed;
import io.clipguard.insight.kafka.ReviewQueue;
import io.clipguard.insight.kafka.UploadThumbnails;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.LagMonitor;
import io.clipguard.kafka.TopicCreator;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.moderation.ClipScoring;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.moderation.kafka.ModerationService;
import io.clipguard.moderation.kafka.ServiceSettings;
import io.clipguard.moderation.kafka.StreamTelemetry;
import io.clipguard.policy.kafka.PolicyDesk;
import io.clipguard.telemetry.ModerationMetrics;
import io.clipguard.telemetry.Telemetry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * One running ClipGuard instance, wired in one place for {@code serve}, {@code demo}, the
 * benchmarks and the tests: Kafka clients (checked against the broker first), the topics
 * (created once), the model runtime, the policy desk with the policy files applied, the
 * Kafka Streams service, and what reads the outputs back (feed, review queue, thumbnails).
 * It wires and it closes, in reverse order; every rule lives in the part that owns it.
 */
public final class ClipGuardNode implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClipGuardNode.class.getName());
    private static final Duration STARTUP = Duration.ofMinutes(2);
    private static final Duration FEED_HISTORY = Duration.ofMinutes(10);

    private final Settings settings;
    private final EmbeddedKafka embedded;
    private final KafkaClients clients;
    private final TopicRegistry topics;
    private final ModerationRuntime runtime;
    private final PolicyDesk desk;
    private final ModerationService service;
    private final Telemetry telemetry;
    private final ModerationMetrics metrics;
    private final LagMonitor lag;
    private final ReviewQueue reviews;
    private final BankLog banks;
    private final UploadThumbnails thumbnails;
    private DecisionFeed feed;

    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "clipguard-node");
        t.setDaemon(true);
        return t;
    });

    private ClipGuardNode(Settings settings, EmbeddedKafka embedded, KafkaClients clients, TopicRegistry topics,
                          ModerationRuntime runtime, PolicyDesk desk, BankLog banks, ModerationService service, Telemetry telemetry,
                          ModerationMetrics metrics) {
        this.settings = settings;
        this.embedded = embedded;
        this.clients = clients;
        this.topics = topics;
        this.runtime = runtime;
        this.desk = desk;
        this.banks = banks;
        this.service = service;
        this.telemetry = telemetry;
        this.metrics = metrics;
        this.lag = service.lagMonitor(clients, metrics);
        this.reviews = new ReviewQueue(clients, topics, settings.app().reviews().lease(), settings.app().reviews().history(), Clock.systemUTC());
        this.thumbnails = new UploadThumbnails(clients, topics.uploaded().name(), runtime);
        runtime.bindMetrics(metrics);
        service.bindMetrics(metrics);
        reviews.bindMetrics(metrics);
        housekeeping.scheduleWithFixedDelay(() -> service.refreshLimits(clients), 1, 1, TimeUnit.MINUTES);
        long lagMillis = settings.app().telemetry().lagInterval().toMillis();
        housekeeping.scheduleWithFixedDelay(lag::measure, 0, lagMillis, TimeUnit.MILLISECONDS);
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
        return start(settings, embeddedKafka, model, instance -> Telemetry.from(settings.app().telemetry(), instance, new SimpleMeterRegistry()));
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
        PolicyDesk desk = null;
        ModerationService service = null;
        BankLog banks = null;
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
            String instance = settings.instanceId();
            traced = telemetry.apply(instance);
            DecodeMemory.configure(c.decode().memoryShare(), c.decode().memoryWait());
            runtime = ModerationRuntime.open(ModerationRuntime.Options.from(c, instance, model), traced);
            metrics = new ModerationMetrics(traced, c.telemetry().driftReference(), c.telemetry().driftWindow());
            runtime.batcher().observe(traced.tracer(), metrics::batch);
            // The model must answer once before anything is taken in (and the first batch is not the slow one).
            runtime.batcher().embed(new float[runtime.engine().preprocess().tensorSize()]);
            String digest = runtime.engine().identity().digest();
            Banks held = runtime.banks();
            desk = new PolicyDesk(clients, topics, runtime.policies(), digest, instance, c.policies(), ClipScoring.bulk(),
                    (policy, hash, embedding) -> held.matchStored(policy, hash, embedding, digest));
            desk.applyStartupFiles(c.policies());
            // Every decision is matched against the banks as they stand: read them before taking anything in.
            banks = new BankLog(clients, topics, runtime.banks(), Clock.systemUTC());
            if (!banks.awaitCaughtUp(STARTUP)) {
                throw new ClipGuardException(ErrorCode.KAFKA_ERROR, "could not read " + topics.banks().name() + " within " + STARTUP);
            }
            metrics.gauge("clipguard.bank.entries", "Bank entries held (every bank)", held::size);
            metrics.counter("clipguard.bank.entries.refused", "Bank entries not held: past clipguard.banks.max-entries or max-exemplar-mib", Tags.empty(),
                    held::refused);
            metrics.counter("clipguard.bank.exemplar.searches", "Searches for the nearest exemplars (banks of kind embedding): per inference batch, "
                    + "or per upload where its batch's search failed or the banks changed since", Tags.of("by", "batch"), held::exemplarSearches);
            metrics.counter("clipguard.bank.exemplar.searches", "Searches for the nearest exemplars (banks of kind embedding): per inference batch, "
                    + "or per upload where its batch's search failed or the banks changed since", Tags.of("by", "upload"), held::exemplarSearchesAlone);
            metrics.counter("clipguard.bank.exemplar.search.seconds", "Time the inference thread spent on the batches' searches", Tags.empty(),
                    held::exemplarSearchSeconds);
            BankLog log = banks;
            metrics.counter("clipguard.bank.records.skipped", "Records on the banks topic not held: unreadable, mis-keyed or not as ClipGuard writes them",
                    Tags.empty(), log::skipped);
            service = new ModerationService(clients, ServiceSettings.from(settings, instance, topics), runtime,
                    StreamTelemetry.of(traced, metrics));
            service.refreshLimits(clients);
            service.start();
            service.awaitRunning(STARTUP);
            if (c.policies().watch()) {
                desk.watchFiles(c.policies().watchInterval().toMillis());
            }
            return new ClipGuardNode(settings, embedded, clients, topics, runtime, desk, banks, service, traced, metrics);
        } catch (RuntimeException | InterruptedException e) {
            closeAll(service, banks, desk, runtime, metrics, traced, embedded);
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

    /** Policy changes (API, files), backtests, shadow reports and the change log. */
    public PolicyDesk policies() {
        return desk;
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

    /** When the broker last answered this instance's admin client (lag measurement); null before the first answer. */
    public Instant brokerAnsweredAt() {
        return lag.answeredAt();
    }

    /**
     * The live feed of every instance's decisions and dead letters (the dashboard's), started on
     * first use with the last ten minutes read back for the charts.
     */
    public synchronized DecisionFeed feed() {
        if (feed == null) {
            feed = new DecisionFeed(clients, topics, FEED_HISTORY);
            feed.bindMetrics(metrics);
        }
        return feed;
    }

    /** The review queue (every instance's view of the same queue). */
    public ReviewQueue reviews() {
        return reviews;
    }

    /** The banks topic as this instance reads and writes it. */
    public BankLog banks() {
        return banks;
    }

    /** Thumbnails of uploads, rendered on request. */
    public UploadThumbnails thumbnails() {
        return thumbnails;
    }

    @Override
    public void close() {
        housekeeping.shutdownNow();
        DecisionFeed live;
        synchronized (this) {
            live = feed;
        }
        closeAll(live, reviews, service, lag, banks, desk, runtime, metrics, telemetry, embedded);
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
