package io.clipguard.moderation.kafka;

import io.clipguard.config.ClipGuardConfig;
import io.clipguard.config.Settings;
import io.clipguard.kafka.TopicRegistry;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How one instance runs its Kafka Streams application: the application id (shared by all
 * instances of one deployment), its own instance id and state directory (stable across
 * restarts, so that a restart restores from local state rather than from scratch), stream
 * threads, the commit interval of the exactly-once transactions, records per poll, and the
 * host:port its HTTP API answers on (advertised to other instances for decision lookups), and
 * each task's window of uploads in flight.
 */
public record ServiceSettings(String applicationId, String instanceId, Path stateDir, int streamThreads, Duration commitInterval,
                              int maxPollRecords, String advertisedHttp, TopicRegistry topics, InFlightWindow window) {

    /** The service settings of {@code clipguard.stream.*} and {@code clipguard.batching.*} for instance {@code instanceId}. */
    public static ServiceSettings from(Settings settings, String instanceId, TopicRegistry topics) {
        ClipGuardConfig.Stream s = settings.app().stream();
        Path state = s.stateDir().orElse(Path.of(System.getProperty("java.io.tmpdir"), "clipguard-state", instanceId));
        String advertised = settings.app().http().advertised()
                .orElse("localhost:" + settings.raw("quarkus.http.port").orElse("8080"));
        ClipGuardConfig.Batching b = settings.app().batching();
        return new ServiceSettings(s.applicationId(), instanceId, state, s.threads(), s.commitInterval(), s.maxPollRecords(), advertised,
                topics, new InFlightWindow(b.inFlightRecords(), b.inFlightBytes(), s.completionInterval(), b.recordDeadline(), b.attempts(),
                        b.targetLatency()));
    }
}
