package io.clipguard.moderation.kafka;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.KafkaErrors;
import io.clipguard.kafka.LagMonitor;
import io.clipguard.kafka.Topic;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.telemetry.ModerationMetrics;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.internals.DefaultKafkaClientSupplier;

/**
 * Runs the moderation topology with Kafka Streams, exactly-once (v2) by default. The
 * lifecycle is explicit (start, await running, close) rather than left to a framework,
 * so that CLI commands, tests and several instances in one JVM each control their own.
 */
public final class ModerationService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ModerationService.class.getName());

    private final ServiceSettings settings;
    private final KafkaStreams streams;
    private volatile Throwable fatal;
    private final AtomicLong replacedThreads = new AtomicLong();
    private final AtomicLong rebalances = new AtomicLong();

    private final OutputLimits limits;
    private final DeadLetterChannel deadLetters;
    private final RestoreTracker restores = new RestoreTracker();
    private final StreamTelemetry telemetry;
    private final FlowControl flow = new FlowControl();
    private final AdaptiveWindow slots;

    /** The service over {@code runtime}; topics must exist (the node creates them once). */
    public ModerationService(KafkaClients clients, ServiceSettings settings, ModerationRuntime runtime, StreamTelemetry telemetry) {
        this.settings = settings;
        this.telemetry = telemetry;
        this.limits = OutputLimits.assumed(settings.topics().service(),
                Map.of(ModerationTopology.decisionChangelog(settings.applicationId()), ModerationTopology.DECISION_CHANGELOG_MAX_BYTES));
        this.deadLetters = new DeadLetterChannel(clients, settings.topics().deadLetters().name(), limits);
        this.slots = settings.window().window(runtime.batcher().maxBatch());
        ModerationTopology.Parts parts = new ModerationTopology.Parts(runtime.moderator(), runtime.tenants(), Clock.systemUTC(), limits,
                SourceReader.kafka(clients), runtime.batcher().health(), settings.window(), slots, flow, telemetry);
        Properties props = properties(clients, settings);
        props.put(OversizeHandler.CHANNEL, deadLetters);
        // The stream threads' consumers apply the tasks' holds on fetching (see FlowControl).
        KafkaClientSupplier supplier = new DefaultKafkaClientSupplier() {
            @Override
            public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
                return flow.wrap(super.getConsumer(config));
            }
        };
        this.streams = new KafkaStreams(ModerationTopology.build(settings.topics(), parts), props, supplier);
        streams.setGlobalStateRestoreListener(restores);
        // After the first RUNNING, a rebalance with the same members means tasks were taken back: a fenced
        // producer, a thread that failed or missed its poll deadline. Counted: it makes work be done again.
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.REBALANCING && before == KafkaStreams.State.RUNNING) {
                rebalances.incrementAndGet();
            }
        });
        // A model down for everything pauses processing (nothing turns into dead letters) until it answers again.
        runtime.batcher().health().onChange(available -> {
            if (available) {
                LOG.info("model answers again: resuming processing");
                streams.resume();
            } else {
                LOG.severe("model unavailable: pausing processing");
                streams.pause();
            }
        });
        // Bad data never reaches here (it becomes dead letters). A refused login or a denied
        // operation will not heal by retrying: stop and say so. Anything else replaces the
        // thread, not the instance.
        streams.setUncaughtExceptionHandler(e -> {
            if (KafkaErrors.isAuthFailure(e)) {
                fatal = e;
                LOG.severe("Kafka refused this instance: " + e + "; stopping");
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            replacedThreads.incrementAndGet();
            LOG.severe("stream thread failed, replacing it: " + e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    }

    /** A transaction's timeout: ten commit intervals would do; this leaves room for a slow broker. */
    static final int TRANSACTION_TIMEOUT_MS = 30_000;
    /** The longest between polls before the group drops a thread: polls come every few milliseconds. */
    static final int MAX_POLL_INTERVAL_MS = 120_000;
    static final int BUFFERED_PER_PARTITION = 16;

    static Properties properties(KafkaClients clients, ServiceSettings s) {
        Map<String, Object> p = new HashMap<>();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, s.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, s.streamThreads());
        p.put(StreamsConfig.STATE_DIR_CONFIG, s.stateDir().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, s.commitInterval().toMillis());
        // Finished uploads are forwarded by a punctuator: an idle thread must not sleep 100 ms in poll().
        p.put(StreamsConfig.POLL_MS_CONFIG, s.window().completionInterval().toMillis());
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, OversizeHandler.class.getName());
        p.put(OversizeHandler.INSTANCE, s.instanceId());
        p.put(StreamsConfig.CLIENT_ID_CONFIG, s.applicationId() + "-" + s.instanceId());
        if (s.advertisedHttp() != null) {
            p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, s.advertisedHttp());
        }
        // Dead letters carry the original upload, which may be up to 16 MiB.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), TopicRegistry.MAX_RECORD_BYTES);
        // No thread waits for inference (work in flight is finished by a punctuator, admission never blocks):
        // a transaction lasts about one commit interval, well inside its timeout, set here on purpose.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), TRANSACTION_TIMEOUT_MS);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG), MAX_POLL_INTERVAL_MS);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), s.maxPollRecords());
        // What Kafka Streams buffers ahead of processing is what a task may hold beyond the window: keep it small.
        p.put(StreamsConfig.BUFFERED_RECORDS_PER_PARTITION_CONFIG, BUFFERED_PER_PARTITION);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 2_000);
        return clients.streams(p);
    }

    public ModerationService start() {
        streams.start();
        return this;
    }

    /** Reads the output topics' size limits from the cluster again (at start and every minute; see {@link OutputLimits}). */
    public void refreshLimits(KafkaClients clients) {
        List<String> names = new ArrayList<>(settings.topics().service().stream().map(Topic::name).toList());
        names.add(ModerationTopology.decisionChangelog(settings.applicationId()));
        limits.refresh(clients, names);
    }

    public OutputLimits limits() {
        return limits;
    }

    /**
     * Waits until the instance is RUNNING (partitions assigned, stores restored);
     * {@code KAFKA_AUTH_FAILED} when Kafka refused it, {@code KAFKA_ERROR} when it stopped.
     */
    public void awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (fatal != null) {
                throw KafkaErrors.translate(fatal);
            }
            if (System.nanoTime() > deadline || streams.state() == KafkaStreams.State.ERROR
                    || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                throw new ClipGuardException(ErrorCode.KAFKA_ERROR, "service did not reach RUNNING within " + timeout
                        + "; state " + streams.state());
            }
            Thread.sleep(50);
        }
    }

    /** Stream threads that failed and were replaced since start (bad input never causes one). */
    /** Rebalances since the instance first ran. */
    public long rebalances() {
        return rebalances.get();
    }

    public long replacedThreads() {
        return replacedThreads.get();
    }

    /** Uploads admitted and not yet answered, across this instance's tasks. */
    public long inFlight() {
        return telemetry.inFlight().get();
    }

    /** Records restored from changelogs since start, per store (none after a clean restart). */
    public Map<String, Long> restoredRecords() {
        return restores.restored();
    }

    /** Why the service stopped for good (Kafka refused it), if it did. */
    public Optional<Throwable> fatalFailure() {
        return Optional.ofNullable(fatal);
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** The Kafka Streams state, by name (RUNNING, REBALANCING, ...). */
    public String state() {
        return streams.state().name();
    }

    /** Partitions assigned and stores restored. */
    public boolean running() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /** False only when Kafka Streams stopped for good: a restart would help. */
    public boolean alive() {
        KafkaStreams.State state = streams.state();
        return state != KafkaStreams.State.ERROR && state != KafkaStreams.State.NOT_RUNNING && state != KafkaStreams.State.PENDING_ERROR;
    }

    /** The instance's adaptive window of uploads in flight. */
    public AdaptiveWindow window() {
        return slots;
    }

    /** Partitions whose fetching is held now (their uploads wait for the window). */
    public int heldPartitions() {
        return flow.heldCount();
    }

    /** Whether processing is paused (only the model's health pauses it: the model does not answer). */
    public boolean paused() {
        return streams.isPaused();
    }

    /** The latest decision for {@code contentId}: here, on the instance that owns its key, or not ready. */
    public DecisionLookup.Result lookup(String contentId) {
        return DecisionLookup.find(streams, settings.advertisedHttp(), contentId);
    }

    /** The service's gauges: uploads in flight, and whether processing is paused. */
    public void bindMetrics(ModerationMetrics metrics) {
        metrics.gauge("clipguard.images.in.flight", "Uploads admitted and not yet answered, all partitions of this instance", this::inFlight);
        metrics.gauge("clipguard.processing.paused", "1 while processing is paused for a model that does not answer", () -> paused() ? 1 : 0);
        metrics.counter("clipguard.stream.rebalances", "Times the instance's tasks were rebalanced after it ran (fencings, failed threads, "
                + "members joining or leaving)", Tags.empty(), rebalances::get);
        metrics.gauge("clipguard.window.limit", "Uploads the instance lets be in flight now (measured throughput x target latency)",
                slots::limit);
        metrics.gauge("clipguard.window.in.use", "Uploads in flight in the window", slots::inUse);
        metrics.gauge("clipguard.partitions.held", "Upload partitions not fetched while their uploads wait for the window", flow::heldCount);
    }

    /** Measures the consumer lag of the uploads partitions this instance owns (see {@link LagMonitor}). */
    public LagMonitor lagMonitor(KafkaClients clients, ModerationMetrics metrics) {
        return new LagMonitor(clients, settings.applicationId(), settings.topics().uploaded().name(), streams, metrics);
    }

    public ServiceSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
        deadLetters.close();
    }
}
