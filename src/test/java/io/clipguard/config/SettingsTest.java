package io.clipguard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One typed configuration: defaults from application.properties, then system properties, the Kafka file, the command line. */
class SettingsTest {
    @TempDir
    Path dir;

    @Test
    void defaultsComeFromApplicationProperties() {
        ClipGuardConfig c = Settings.load(Map.of()).app();
        assertThat(c.topics().uploaded()).isEqualTo("images.uploaded");
        assertThat(c.topics().deadLetters()).isEqualTo("moderation.dlq");
        assertThat(c.stream().threads()).isEqualTo(2);
        assertThat(c.stream().commitInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.batching().maxWait()).isEqualTo(Duration.ofMillis(5));
        assertThat(c.fetch().allowedHosts()).isEmpty();
        assertThat(c.model().dir()).isEmpty();
        assertThat(c.policies().dir()).isEqualTo(Path.of("policies"));
    }

    @Test
    void commandLineBeatsSystemPropertiesWhichBeatDefaults() {
        System.setProperty("clipguard.stream.threads", "7");
        System.setProperty("clipguard.batching.max-batch", "3");
        try {
            ClipGuardConfig c = Settings.load(Map.of("clipguard.stream.threads", "2", "clipguard.fetch.allowed-hosts", "a.example,b.example"))
                    .app();
            assertThat(c.stream().threads()).isEqualTo(2);
            assertThat(c.batching().maxBatch()).isEqualTo(3);
            assertThat(c.fetch().allowedHosts()).hasValue(java.util.List.of("a.example", "b.example"));
        } finally {
            System.clearProperty("clipguard.stream.threads");
            System.clearProperty("clipguard.batching.max-batch");
        }
    }

    @Test
    void kafkaGroupTakesPropertiesTheKafkaFileAndTheCommandLineInThatOrder() throws Exception {
        Path file = Files.writeString(dir.resolve("client.properties"), """
                security.protocol=SASL_SSL
                sasl.mechanism=PLAIN
                sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p${x}";
                bootstrap.servers=from-file:9092
                """);
        System.setProperty("kafka.client.id", "from-sysprop");
        System.setProperty("kafka-streams.num.standby.replicas", "1");
        try {
            Settings s = Settings.load(Map.of("kafka.bootstrap.servers", "from-cli:9092"), file);
            Map<String, String> kafka = s.group("kafka", "KAFKA_STREAMS_");
            assertThat(kafka).containsEntry("bootstrap.servers", "from-cli:9092").containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("client.id", "from-sysprop")
                    // Values pass as written: no expression expansion inside secrets.
                    .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p${x}\";");
            assertThat(kafka).doesNotContainKey("streams.num.standby.replicas");
            assertThat(s.group("kafka-streams", null)).containsEntry("num.standby.replicas", "1");
        } finally {
            System.clearProperty("kafka.client.id");
            System.clearProperty("kafka-streams.num.standby.replicas");
        }
    }

    @Test
    void badValuesAndMissingFilesAreClearErrors() {
        assertThatThrownBy(() -> Settings.load(Map.of("clipguard.stream.threads", "many")))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID))
                .hasMessageContaining("clipguard.stream.threads");
        assertThatThrownBy(() -> Settings.load(Map.of("clipguard.stream.thread", "2")))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID))
                .as("a misspelt setting is an error, not a silent default").hasMessageContaining("clipguard.stream.thread");
        assertThatThrownBy(() -> Settings.load(Map.of(), dir.resolve("missing.properties")))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FILE_NOT_FOUND));
    }
}
