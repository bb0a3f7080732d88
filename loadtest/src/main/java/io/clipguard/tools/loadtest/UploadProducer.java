package io.clipguard.tools.loadtest;

import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.tools.demo.DemoUploads;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends synthetic uploads at a steady rate, as an upload service would, and remembers when
 * each was sent (for end-to-end latency). Sends ride out a broker restart: the producer is
 * idempotent and retries for up to five minutes, and a send that still fails is counted,
 * never ignored, so a drill cannot mistake a record that never arrived for one ClipGuard lost.
 */
public final class UploadProducer implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final Supplier<DemoUploads.Upload> uploads;
    private final Map<String, Long> sentAtNanos = new ConcurrentHashMap<>();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile long sent;

    public UploadProducer(KafkaClients clients, String topic, Supplier<DemoUploads.Upload> uploads) {
        this.producer = clients.newProducer(Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TopicRegistry.MAX_UPLOAD_BYTES));
        this.topic = topic;
        this.uploads = uploads;
    }

    /**
     * Sends {@code count} uploads at {@code perSecond} (0: as fast as the producer takes them),
     * returning early when {@code stop} says so. Returns the number sent.
     */
    public long send(long count, double perSecond, BooleanSupplier stop) throws InterruptedException {
        long start = System.nanoTime();
        long done = 0;
        while (done < count && !stop.getAsBoolean()) {
            if (perSecond > 0) {
                long due = start + (long) (done * 1e9 / perSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            DemoUploads.Upload u = uploads.get();
            sentAtNanos.put(u.contentId(), System.nanoTime());
            producer.send(new ProducerRecord<>(topic, u.contentId().getBytes(StandardCharsets.UTF_8), u.value()), (meta, e) -> {
                if (e == null) {
                    acknowledged.incrementAndGet();
                } else {
                    failure.compareAndSet(null, e);
                }
            });
            done++;
            sent++;
        }
        producer.flush();
        return done;
    }

    /** Uploads sent so far (all acknowledged once {@link #send} returned, unless {@link #failure} says otherwise). */
    public long sent() {
        return sent;
    }

    public long acknowledged() {
        return acknowledged.get();
    }

    /** The first send the broker never acknowledged, if any. */
    public Exception failure() {
        return failure.get();
    }

    /** When each content id was handed to the producer ({@link System#nanoTime()}). */
    public Map<String, Long> sentAtNanos() {
        return sentAtNanos;
    }

    @Override
    public void close() {
        producer.close();
    }
}
