package io.clipguard.cli;

import io.clipguard.config.Settings;
import io.clipguard.kafka.KafkaClients;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Options of every command that talks to Kafka. Any Kafka client setting also comes from
 * {@code KAFKA_*} environment variables ({@code KAFKA_SECURITY_PROTOCOL},
 * {@code KAFKA_SASL_JAAS_CONFIG}, ...) or {@code kafka.*} properties.
 */
final class KafkaArgs {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...",
            description = "Kafka bootstrap servers (setting kafka.bootstrap.servers, env KAFKA_BOOTSTRAP_SERVERS).")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client settings as a Java properties file (security.protocol, sasl.*, ssl.*, ...), like Kafka's own --command-config.")
    Path kafkaConfig;

    void addTo(Map<String, String> overrides) {
        Options.put(overrides, "kafka.bootstrap.servers", bootstrapServers);
    }

    /** The settings with these options and {@code more} applied. */
    Settings settings(Map<String, String> more) {
        Map<String, String> overrides = new HashMap<>(more);
        addTo(overrides);
        return Settings.load(overrides, kafkaConfig);
    }

    /** Kafka clients with these options applied; the bootstrap servers are required. */
    KafkaClients clients() {
        KafkaClients clients = KafkaClients.from(settings(Map.of()));
        clients.requireBootstrapServers();
        return clients;
    }
}
