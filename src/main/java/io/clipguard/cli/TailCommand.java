package io.clipguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.config.Settings;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.stream.AvroJson;
import io.clipguard.stream.AvroSerde;
import io.clipguard.stream.Topic;
import io.clipguard.stream.TopicRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clipguard tail}: prints a topic's records as JSON lines, as a read_committed consumer sees them. */
@Command(name = "tail", mixinStandardHelpOptions = true, description = "Print records of a ClipGuard topic as JSON lines.")
class TailCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "TOPIC",
            description = "A ClipGuard topic by name (default: the decisions topic, clipguard.topics.decisions).")
    String topic;

    @Mixin
    KafkaArgs kafkaArgs;

    @Option(names = "--from-beginning", description = "Start at the earliest record instead of new ones.")
    boolean fromBeginning;

    @Option(names = "--max", defaultValue = "0", description = "Stop after this many records (0: never).")
    int max;

    @Option(names = "--timeout-s", defaultValue = "0", description = "Stop after this many seconds without a record (0: never).")
    int idleTimeout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Settings settings = kafkaArgs.settings(Map.of());
        KafkaClients clients = KafkaClients.from(settings);
        clients.requireBootstrapServers();
        TopicRegistry topics = TopicRegistry.from(settings.app().topics());
        String name = topic != null ? topic : topics.decisions().name();
        Topic<?, ?> known = topics.all().stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
        int seen = 0;
        long lastRecord = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.newConsumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "clipguard-tail-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            consumer.subscribe(List.of(name));
            while (max == 0 || seen < max) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
                    line.put("partition", r.partition());
                    line.put("offset", r.offset());
                    line.put("value", decode(known, known == topics.uploaded(), r.value()));
                    spec.commandLine().getOut().println(json.writeValueAsString(line));
                    spec.commandLine().getOut().flush();
                    lastRecord = System.nanoTime();
                    if (++seen == max) {
                        break;
                    }
                }
                if (idleTimeout > 0 && System.nanoTime() - lastRecord > Duration.ofSeconds(idleTimeout).toNanos()) {
                    break;
                }
            }
        }
        return 0;
    }

    /** The value as JSON when the topic holds Avro records of ClipGuard's, else base64. */
    private static Object decode(Topic<?, ?> topic, boolean uploads, byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            if (topic != null && topic.valueSerde() instanceof AvroSerde<?> avro) {
                return AvroJson.toMap((IndexedRecord) avro.decode(value));
            }
            if (uploads) {
                // The uploads topic carries raw bytes by design (the processor decodes them): show them as an upload when they are one.
                return AvroJson.toMap(AvroSerde.IMAGE_UPLOADED.decode(value));
            }
            return java.util.Base64.getEncoder().encodeToString(value);
        } catch (Exception e) {
            return Map.of("undecodable", e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }
}
