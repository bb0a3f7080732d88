package io.clipguard.cli;

import io.clipguard.fetch.FetchSettings;
import io.clipguard.image.DecodeLimits;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.catalog.PolicyFileSync;
import io.clipguard.stream.ServiceSettings;
import io.clipguard.stream.TopicRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/** Options of the commands that run the moderation service ({@code serve}, {@code demo}); each has an environment default. */
final class ServiceArgs {
    @Option(names = "--bootstrap-servers", defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-}",
            description = "Kafka bootstrap servers (env KAFKA_BOOTSTRAP_SERVERS); empty = start an embedded single-node KRaft broker.")
    String bootstrapServers;

    @Option(names = "--policy", defaultValue = "${env:CLIPGUARD_POLICY:-}", paramLabel = "FILE",
            description = "Policy YAML (env CLIPGUARD_POLICY; default: the bundled policies/demo-shapes.yaml).")
    String policy;

    @Option(names = "--policies-dir", defaultValue = "${env:CLIPGUARD_POLICIES_DIR:-policies}", paramLabel = "DIR",
            description = "Policy files applied on start when their content changed (env CLIPGUARD_POLICIES_DIR; default: ${DEFAULT-VALUE}).")
    String policiesDir;

    @Option(names = "--watch-policies", defaultValue = "${env:CLIPGUARD_WATCH_POLICIES:-false}",
            description = "Dev mode: publish each saved edit of the policy files.")
    boolean watchPolicies;

    @Option(names = "--two-person-rule", defaultValue = "${env:CLIPGUARD_TWO_PERSON_RULE:-false}",
            description = "Nobody publishes a policy draft they created themselves.")
    boolean twoPersonRule;

    @Option(names = "--application-id", defaultValue = "${env:CLIPGUARD_APPLICATION_ID:-clipguard}",
            description = "Kafka Streams application id, shared by all instances of one deployment (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--instance-id", defaultValue = "${env:CLIPGUARD_INSTANCE_ID:-}", description = "This instance's id (default: host-pid).")
    String instanceId;

    @Option(names = "--state-dir", defaultValue = "${env:CLIPGUARD_STATE_DIR:-}", description = "Kafka Streams state directory.")
    String stateDir;

    @Option(names = "--stream-threads", defaultValue = "${env:CLIPGUARD_STREAM_THREADS:-4}",
            description = "Stream threads; each blocks on the shared batcher, so this bounds the batch size (default: ${DEFAULT-VALUE}).")
    int streamThreads;

    @Option(names = "--max-batch", defaultValue = "${env:CLIPGUARD_MAX_BATCH:-8}", description = "Largest inference batch (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-wait-ms", defaultValue = "${env:CLIPGUARD_MAX_WAIT_MS:-5}", description = "Longest wait to fill a batch (default: ${DEFAULT-VALUE}).")
    long maxWaitMs;

    @Option(names = "--partitions", defaultValue = "${env:CLIPGUARD_PARTITIONS:-6}", description = "Partitions of topics created on start (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--fetch-allowed-hosts", defaultValue = "${env:CLIPGUARD_FETCH_ALLOWED_HOSTS:-}", split = ",",
            description = "Hosts image URIs may be fetched from (comma-separated; default none: inline images only).")
    String[] fetchAllowedHosts;

    @Option(names = "--fetch-allow-private", defaultValue = "${env:CLIPGUARD_FETCH_ALLOW_PRIVATE:-false}",
            description = "Allow fetches to loopback/private/link-local addresses.")
    boolean fetchAllowPrivate;

    @Option(names = "--fetch-file-root", defaultValue = "${env:CLIPGUARD_FETCH_FILE_ROOT:-}", description = "Enable file:// references inside this directory.")
    String fetchFileRoot;

    String instance() {
        if (instanceId != null && !instanceId.isBlank()) {
            return instanceId;
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
    }

    Policy loadPolicy() {
        if (policy != null && !policy.isBlank()) {
            return PolicyFiles.read(Path.of(policy));
        }
        return PolicyFiles.parse(bundledPolicyText(), "policies/demo-shapes.yaml");
    }

    String bundledPolicyText() {
        try (InputStream in = ServiceArgs.class.getClassLoader().getResourceAsStream("policies/demo-shapes.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("bundled demo policy unreadable", e);
        }
    }

    /** The files applied on start: the policies directory and the {@code --policy} file. */
    List<Path> policyFiles() {
        List<Path> extra = policy != null && !policy.isBlank() ? List.of(Path.of(policy)) : List.of();
        return PolicyFileSync.policyFiles(policiesDir == null || policiesDir.isBlank() ? null : Path.of(policiesDir), extra);
    }

    ModerationRuntime.Settings runtime(EngineArgs engine, String instance) {
        Set<String> hosts = fetchAllowedHosts == null ? Set.of() : Arrays.stream(fetchAllowedHosts).map(String::trim)
                .filter(h -> !h.isEmpty()).map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        FetchSettings fetch = new FetchSettings(hosts, fetchAllowPrivate, Duration.ofSeconds(2), Duration.ofSeconds(5), 20L << 20, 3,
                fetchFileRoot == null || fetchFileRoot.isBlank() ? null : Path.of(fetchFileRoot));
        return new ModerationRuntime.Settings(engine.modelDir(), engine.options(), loadPolicy(), maxBatch,
                Duration.ofMillis(maxWaitMs), DecodeLimits.defaults(), fetch, instance);
    }

    ServiceSettings service(String bootstrap, String instance, String advertisedHttp) {
        Path state = stateDir != null && !stateDir.isBlank() ? Path.of(stateDir)
                : Path.of(System.getProperty("java.io.tmpdir"), "clipguard-state", instance);
        return new ServiceSettings(bootstrap, applicationId, instance, state, streamThreads, advertisedHttp,
                TopicRegistry.defaults(partitions));
    }
}
