package io.clipguard.stream;

import java.nio.file.Path;

/**
 * How one ClipGuard instance runs: where Kafka is, its application id (shared by all
 * instances of one deployment), its own instance id, state directory, stream threads
 * (each blocks on the shared batcher, so this bounds the batch size), and the host:port its
 * HTTP API answers on (advertised to other instances for decision lookups).
 */
public record ServiceSettings(String bootstrapServers, String applicationId, String instanceId, Path stateDir,
                              int streamThreads, String advertisedHttp, TopicRegistry topics) {
}
