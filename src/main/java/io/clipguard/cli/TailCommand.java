package io.clipguard.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.config.Settings;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicFollower;
import io.clipguard.kafka.TopicRegistry;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
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
        PrintWriter out = spec.commandLine().getOut();
        TopicFollower.follow(clients, topics, topic != null ? topic : topics.decisions().name(), fromBeginning, max,
                Duration.ofSeconds(idleTimeout), line -> {
                    try {
                        out.println(json.writeValueAsString(line));
                    } catch (JsonProcessingException e) {
                        throw new IllegalStateException(e);
                    }
                    out.flush();
                });
        return 0;
    }
}
