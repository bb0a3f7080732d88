package io.clipguard.cli;

import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Options of the commands that run the moderation service ({@code serve}, {@code demo});
 * each overrides one {@code clipguard.*} setting (see the settings table in docs/operators.md for the
 * environment forms and defaults).
 */
final class ServiceArgs {
    @Option(names = "--policy", paramLabel = "FILE", description = "The policy this instance enforces (clipguard.policies.file; default: the bundled demo-shapes).")
    Path policy;

    @Option(names = "--policies-dir", paramLabel = "DIR", description = "Policy files applied on start when changed (clipguard.policies.dir).")
    Path policiesDir;

    @Option(names = "--watch-policies", description = "Dev mode: publish each saved edit of the policy files (clipguard.policies.watch).")
    Boolean watchPolicies;

    @Option(names = "--two-person-rule", description = "Nobody publishes a policy draft they wrote (clipguard.policies.two-person-rule).")
    Boolean twoPersonRule;

    @Option(names = "--application-id", description = "Kafka Streams application id, shared by one deployment's instances (clipguard.stream.application-id).")
    String applicationId;

    @Option(names = "--instance-id", description = "This instance's id; names its state directory (clipguard.stream.instance-id; default: host name).")
    String instanceId;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Kafka Streams state directory (clipguard.stream.state-dir).")
    Path stateDir;

    @Option(names = "--stream-threads", description = "Stream threads (clipguard.stream.threads).")
    Integer streamThreads;

    @Option(names = "--max-batch", description = "Largest inference batch (clipguard.batching.max-batch).")
    Integer maxBatch;

    @Option(names = "--max-wait-ms", description = "Longest wait to fill a batch, ms (clipguard.batching.max-wait).")
    Long maxWaitMs;

    @Option(names = "--partitions", description = "Partitions of topics created on start (clipguard.topics.partitions).")
    Integer partitions;

    @Option(names = "--fetch-allowed-hosts", split = ",", description = "Hosts image URIs may be fetched from (clipguard.fetch.allowed-hosts).")
    String[] fetchAllowedHosts;

    @Option(names = "--fetch-allowed-networks", split = ",", paramLabel = "CIDR",
            description = "Networks exempt from the refusal of private addresses, e.g. an on-premises store (clipguard.fetch.allowed-networks).")
    String[] fetchAllowedNetworks;

    @Option(names = "--fetch-file-root", paramLabel = "DIR", description = "Enable file:// references inside this directory (clipguard.fetch.file-root).")
    Path fetchFileRoot;

    @Option(names = "--advertised-http", paramLabel = "HOST:PORT", description = "Where other instances reach this one's HTTP API (clipguard.http.advertised).")
    String advertisedHttp;

    void addTo(Map<String, String> overrides) {
        Options.put(overrides, "clipguard.policies.file", policy);
        Options.put(overrides, "clipguard.policies.dir", policiesDir);
        Options.put(overrides, "clipguard.policies.watch", watchPolicies);
        Options.put(overrides, "clipguard.policies.two-person-rule", twoPersonRule);
        Options.put(overrides, "clipguard.stream.application-id", applicationId);
        Options.put(overrides, "clipguard.stream.instance-id", instanceId);
        Options.put(overrides, "clipguard.stream.state-dir", stateDir);
        Options.put(overrides, "clipguard.stream.threads", streamThreads);
        Options.put(overrides, "clipguard.batching.max-batch", maxBatch);
        Options.put(overrides, "clipguard.batching.max-wait", maxWaitMs == null ? null : maxWaitMs + "ms");
        Options.put(overrides, "clipguard.topics.partitions", partitions);
        Options.put(overrides, "clipguard.fetch.allowed-hosts", fetchAllowedHosts == null ? null : String.join(",", fetchAllowedHosts));
        Options.put(overrides, "clipguard.fetch.allowed-networks", fetchAllowedNetworks == null ? null : String.join(",", fetchAllowedNetworks));
        Options.put(overrides, "clipguard.fetch.file-root", fetchFileRoot);
        Options.put(overrides, "clipguard.http.advertised", advertisedHttp);
    }
}
