package io.clipguard.insight.kafka;

import io.clipguard.insight.FeedEvent;
import io.clipguard.insight.ScopedStats;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.SourceHeader;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.kafka.TopicTail;
import io.clipguard.schema.CategoryScore;
import io.clipguard.schema.DeadLetter;
import io.clipguard.schema.ModerationDecision;
import io.clipguard.schema.SourcePosition;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * What every instance decides, as it commits: reads the decision and dead-letter topics
 * (read_committed, all partitions, so a dashboard on any instance shows the whole service),
 * keeps {@link LiveStats} and hands each new event to subscribers. It starts a few minutes back
 * so the charts are full when the page opens; only events read after the start are pushed.
 * Subscribers must not block (the dashboard's SSE stream drops events for a slow client).
 */
public final class DecisionFeed implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DecisionFeed.class.getName());

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicRegistry topics;
    private final ScopedStats stats;
    private final Set<Consumer<FeedEvent>> subscribers = new CopyOnWriteArraySet<>();
    private final AtomicLong dropped = new AtomicLong();
    private final Thread thread;
    private final long startedAt = System.currentTimeMillis();
    private volatile boolean running = true;

    public DecisionFeed(KafkaClients clients, TopicRegistry topics, Duration history) {
        this.consumer = clients.newConsumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, TopicRegistry.MAX_RECORD_BYTES));
        this.topics = topics;
        this.stats = new ScopedStats((int) history.toSeconds());
        this.thread = new Thread(() -> run(history), "clipguard-feed");
        thread.setDaemon(true);
        thread.start();
    }

    /** Calls {@code subscriber} for each event from now on; close the returned handle to stop. */
    public AutoCloseable subscribe(Consumer<FeedEvent> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    /** Counts events a client fell too far behind to get (the API's per-client buffers report here). */
    public AtomicLong dropped() {
        return dropped;
    }

    /** The feed's counter of events dropped for clients that fell behind. */
    public void bindMetrics(io.clipguard.telemetry.ModerationMetrics metrics) {
        metrics.counter("clipguard.feed.events.dropped", "Live-feed events dropped for clients that fell too far behind", Tags.empty(),
                dropped::get);
    }

    public ScopedStats stats() {
        return stats;
    }

    private void run(Duration history) {
        try {
            long since = startedAt - history.toMillis();
            TopicTail.assign(consumer, Map.of(topics.decisions().name(), since, topics.deadLetters().name(), since));
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    FeedEvent e = event(r);
                    if (e == null) {
                        continue;
                    }
                    stats.add(e);
                    if (r.timestamp() >= startedAt) {
                        subscribers.forEach(s -> s.accept(e));
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.warning("live feed stopped: " + e);
        } finally {
            consumer.close();
        }
    }

    private FeedEvent event(ConsumerRecord<byte[], byte[]> r) {
        try {
            if (r.topic().equals(topics.decisions().name())) {
                ModerationDecision d = AvroSerde.DECISION.decode(r.value());
                CategoryScore top = d.getScores().stream().filter(s -> s.getCategory().equals(d.getTriggeringCategory())).findFirst()
                        .orElseGet(() -> d.getScores().stream().max(Comparator.comparingDouble(CategoryScore::getProbability)).orElse(null));
                SourcePosition source = SourceHeader.read(r.headers()).orElse(null);
                return new FeedEvent("decision", d.getContentId(), d.getAction().name(), top == null ? null : top.getCategory(),
                        top == null ? null : top.getProbability(), top == null ? null : top.getCalibrated(), d.getPolicyId(), d.getPolicyVersion(), d.getTimings().getEndToEndMs(), null,
                        null, d.getDecidedAt().toEpochMilli(), source == null ? null : source.getPartition(), source == null ? null : source.getOffset(),
                        d.getTenant());
            }
            DeadLetter l = AvroSerde.DEAD_LETTER.decode(r.value());
            return new FeedEvent("dead-letter", l.getContentId(), null, null, null, null, null, null, null, l.getReasonCode(),
                    l.getMessage().length() > 300 ? l.getMessage().substring(0, 300) : l.getMessage(), l.getFailedAt().toEpochMilli(),
                    l.getSourcePartition(), l.getSourceOffset(), null);
        } catch (Exception e) {
            return null; // another writer's record on our topic: not ours to show
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5_000);
    }
}
