package io.clipguard.stream;

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
}
