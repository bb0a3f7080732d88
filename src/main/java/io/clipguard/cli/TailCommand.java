package io.clipguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.stream.AvroJson;
import io.clipguard.stream.AvroSerde;
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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clipguard tail}: prints a topic's records as JSON lines, as a read_committed consumer sees them. */
@Command(name = "tail", mixinStandardHelpOptions = true, description = "Print records of a ClipGuard topic as JSON lines.")
class TailCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", defaultValue = "moderation.decisions", paramLabel = "TOPIC",
            description = "images.uploaded, moderation.decisions, moderation.audit, moderation.embeddings or moderation.dlq (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--bootstrap-servers", required = true, defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS}", description = "Kafka bootstrap servers.")
    String bootstrapServers;

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
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "clipguard-tail-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        int seen = 0;
        long lastRecord = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (max == 0 || seen < max) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
                    line.put("partition", r.partition());
                    line.put("offset", r.offset());
                    line.put("value", decode(r.value()));
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

    private Object decode(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            IndexedRecord record = switch (topic) {
                case "moderation.decisions" -> AvroSerde.DECISION.decode(value);
                case "moderation.audit" -> AvroSerde.AUDIT.decode(value);
                case "moderation.embeddings" -> AvroSerde.EMBEDDING.decode(value);
                case "moderation.dlq" -> AvroSerde.DEAD_LETTER.decode(value);
                case "images.uploaded" -> AvroSerde.IMAGE_UPLOADED.decode(value);
                default -> null;
            };
            return record == null ? java.util.Base64.getEncoder().encodeToString(value) : AvroJson.toMap(record);
        } catch (Exception e) {
            return Map.of("undecodable", e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }
}
