package io.clipguard.stream;

import io.clipguard.kafka.TopicCreator;
import io.clipguard.moderation.ModerationRuntime;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * Runs the moderation topology with Kafka Streams, exactly-once (v2) by default. The
 * lifecycle is explicit (start, await running, close) rather than left to a framework,
 * so that CLI commands, tests and several instances in one JVM each control their own.
 */
public final class ModerationService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ModerationService.class.getName());

    private final ServiceSettings settings;
    private final KafkaStreams streams;

    public ModerationService(ServiceSettings settings, ModerationRuntime runtime) {
        this.settings = settings;
        this.streams = new KafkaStreams(ModerationTopology.build(settings.topics(), runtime.moderator(), runtime.policies(),
                Clock.systemUTC()), properties(settings));
        // Bad data never reaches here (it becomes dead letters); anything else restarts the thread, not the instance.
        streams.setUncaughtExceptionHandler(e -> {
            LOG.severe("stream thread failed, replacing it: " + e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    }

    static Properties properties(ServiceSettings s) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, s.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, s.streamThreads());
        p.put(StreamsConfig.STATE_DIR_CONFIG, s.stateDir().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.CLIENT_ID_CONFIG, s.applicationId() + "-" + s.instanceId());
        if (s.advertisedHttp() != null) {
            p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, s.advertisedHttp());
        }
        // Dead letters carry the original upload, which may be up to 16 MiB.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), TopicRegistry.MAX_RECORD_BYTES);
        // Each record blocks on inference: keep polls small so a transaction stays short.
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 20);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 2_000);
        return p;
    }

    /** Creates missing topics and starts processing. */
    public ModerationService start() {
        TopicCreator.ensure(settings.bootstrapServers(), settings.topics().all());
        streams.start();
        return this;
    }

    /** Waits until the instance is RUNNING (partitions assigned, stores restored). */
    public void awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline || streams.state() == KafkaStreams.State.ERROR
                    || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                throw new IllegalStateException("service did not reach RUNNING within " + timeout + "; state " + streams.state());
            }
            Thread.sleep(50);
        }
    }

    public KafkaStreams streams() {
        return streams;
    }

    public ServiceSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
    }
}
