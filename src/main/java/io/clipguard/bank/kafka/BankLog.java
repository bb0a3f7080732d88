package io.clipguard.bank.kafka;

import io.clipguard.bank.BankEntries;
import io.clipguard.bank.Banks;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicReader;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.kafka.TopicTail;
import io.clipguard.schema.BankEntry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * The banks topic on one instance: a thread reads it from the start and applies every change
 * to the instance's {@link Banks} (a tombstone removes an entry). It publishes once the topic
 * as it stood at start has been read, then at once when changes stop and, while they stream
 * in, every {@value #PUBLISH_EVERY_MS} ms or four times the last publish's cost, whichever is
 * longer: a bulk import does not rebuild a million-entry index per poll, and a single change
 * is matched within a fraction of a second. Also writes entries (the API and the CLI).
 */
public final class BankLog implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BankLog.class.getName());
    static final long PUBLISH_EVERY_MS = 250;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Writer writer;
    private final String topic;
    private final Banks banks;
    private final Clock clock;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long applied = -1;
    private volatile long skipped;
    private final long endAtStart;

    public BankLog(KafkaClients clients, TopicRegistry topics, Banks banks, Clock clock) {
        this.topic = topics.banks().name();
        this.banks = banks;
        this.clock = clock;
        this.consumer = clients.newConsumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
        this.writer = writer(clients, topics);
        TopicTail.assign(consumer, Collections.singletonMap(topic, null));
        TopicPartition only = new TopicPartition(topic, 0);
        this.endAtStart = consumer.endOffsets(List.of(only)).getOrDefault(only, 0L) - 1;
        this.thread = new Thread(this::run, "clipguard-banks");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long lastPublish = 0;
        long publishCost = 0;
        long retryAt = 0;
        TopicPartition only = new TopicPartition(topic, 0);
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(Duration.ofMillis(100));
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // A broker away for longer than a request's timeout: keep following, the entries held stay.
                    LOG.warning("banks: reading " + topic + " failed, retrying in 1 s: " + e);
                    Thread.sleep(1000);
                    continue;
                }
                long last = -1;
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    apply(r);
                    last = r.offset();
                }
                long position;
                try {
                    position = consumer.position(only) - 1;
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    LOG.warning("banks: reading " + topic + " failed, retrying: " + e);
                    continue;
                }
                long now = System.nanoTime();
                // Nothing is published while the start's backlog is read (one build at its end), and a
                // build never takes more than a fifth of the time while changes stream in.
                boolean due = records.isEmpty() || now - lastPublish > Math.max(TimeUnit.MILLISECONDS.toNanos(PUBLISH_EVERY_MS), 4 * publishCost);
                if (position >= endAtStart && due && now - retryAt >= 0 && banks.stale(clock.instant())) {
                    try {
                        banks.publish(clock.instant());
                        publishCost = System.nanoTime() - now;
                    } catch (RuntimeException | OutOfMemoryError e) {
                        // The banks published last stay in use; tried again after a pause, not at every poll.
                        LOG.severe("banks: publishing the changes failed, the banks published before stay in use: " + e);
                        retryAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    }
                    lastPublish = System.nanoTime();
                }
                if (!banks.stale(clock.instant())) {
                    applied = Math.max(Math.max(applied, last), position);
                }
            }
        } catch (WakeupException | InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.severe("banks stopped: " + e);
        } finally {
            consumer.close();
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) {
            skipped++;
            return;
        }
        String key = new String(r.key(), StandardCharsets.UTF_8);
        int slash = key.indexOf('/');
        if (r.value() == null) {
            if (slash > 0) {
                banks.remove(key.substring(0, slash), key.substring(slash + 1));
            }
            return;
        }
        try {
            Banks.Entry entry = BankEntries.held(AvroSerde.BANK_ENTRY.decode(r.value()));
            if (entry == null || !BankEntries.key(entry.bank(), entry.id()).equals(key)) {
                skipped++;
                return;
            }
            banks.put(entry);
        } catch (Exception e) {
            skipped++;
            LOG.fine(() -> "banks: skipped an unreadable entry at offset " + r.offset() + ": " + e);
        }
    }

    /** Writes an entry; returns its offset once the broker has it. */
    public long write(BankEntry entry) {
        return writer.write(entry);
    }

    /** Removes an entry (a tombstone); returns its offset. */
    public long remove(String bank, String entry) {
        return writer.remove(bank, entry);
    }

    /** The live entries of {@code bank} as the topic holds them now (the command line's export). */
    public static List<BankEntry> read(KafkaClients clients, TopicRegistry topics, String bank, Duration timeout) {
        Map<String, BankEntry> latest = new LinkedHashMap<>();
        String prefix = bank + "/";
        TopicReader.read(clients, topics.banks().name(), TopicReader.FROM_BEGINNING, r -> {
            if (r.key() == null || !r.key().startsWith(prefix)) {
                return;
            }
            if (r.value() == null) {
                latest.remove(r.key());
            } else {
                BankEntry e = TopicReader.decode(AvroSerde.BANK_ENTRY, r);
                if (e != null) {
                    latest.put(r.key(), e);
                }
            }
        }, n -> { }, timeout);
        return List.copyOf(latest.values());
    }

    /** A writer of bank entries alone (the command line), without reading the topic. */
    public static Writer writer(KafkaClients clients, TopicRegistry topics) {
        return new Writer(clients.newProducer(Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)),
                topics.banks().name());
    }

    /** Writes entries and tombstones, each acknowledged by every in-sync replica before it returns. */
    public static final class Writer implements AutoCloseable {
        private final KafkaProducer<byte[], byte[]> producer;
        private final String topic;

        private Writer(KafkaProducer<byte[], byte[]> producer, String topic) {
            this.producer = producer;
            this.topic = topic;
        }

        public long write(BankEntry entry) {
            return send(new ProducerRecord<>(topic, keyOf(entry.getBank(), entry.getEntry()), AvroSerde.BANK_ENTRY.encode(entry)));
        }

        public long remove(String bank, String entry) {
            return send(new ProducerRecord<>(topic, keyOf(bank, entry), null));
        }

        /** Writes many entries without waiting for each (an imported hash list); returns once the broker has them all. */
        public void writeAll(Iterator<BankEntry> entries) {
            AtomicReference<Exception> failed = new AtomicReference<>();
            while (entries.hasNext() && failed.get() == null) {
                BankEntry e = entries.next();
                producer.send(new ProducerRecord<>(topic, keyOf(e.getBank(), e.getEntry()), AvroSerde.BANK_ENTRY.encode(e)), (m, error) -> {
                    if (error != null) {
                        failed.compareAndSet(null, error);
                    }
                });
            }
            producer.flush();
            if (failed.get() != null) {
                throw new ClipGuardException(ErrorCode.KAFKA_ERROR, "could not write to " + topic + ": " + failed.get().getMessage(), failed.get());
            }
        }

        private static byte[] keyOf(String bank, String entry) {
            return BankEntries.key(bank, entry).getBytes(StandardCharsets.UTF_8);
        }

        private long send(ProducerRecord<byte[], byte[]> record) {
            try {
                RecordMetadata m = producer.send(record).get(30, TimeUnit.SECONDS);
                return m.offset();
            } catch (ExecutionException | TimeoutException e) {
                throw new ClipGuardException(ErrorCode.KAFKA_ERROR, "could not write to " + topic + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClipGuardException(ErrorCode.KAFKA_ERROR, "interrupted writing to " + topic, e);
            }
        }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** Waits until this instance matches against everything up to {@code offset}; false on timeout. */
    public boolean awaitApplied(long offset, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (applied < offset) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /** Waits until the banks as they were when this log started are matched against; false on timeout. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return awaitApplied(endAtStart, timeout);
    }

    /** Records skipped because they were unreadable or mis-keyed. */
    public long skipped() {
        return skipped;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.close();
    }
}
