package io.clipguard.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** Every client gets the user's Kafka settings it knows; ClipGuard's own required settings win; secrets never reach a log. */
class KafkaClientsTest {
    static KafkaClients clients(Map<String, String> kafka) {
        Map<String, String> overrides = new HashMap<>();
        kafka.forEach((k, v) -> overrides.put("kafka." + k, v));
        return KafkaClients.from(Settings.load(overrides));
    }

    static final Map<String, String> SASL = Map.of("bootstrap.servers", "b:9093", "security.protocol", "SASL_SSL",
            "sasl.mechanism", "SCRAM-SHA-512",
            "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"svc\" password=\"hunter2\";",
            "ssl.truststore.location", "/etc/kafka/trust.p12", "ssl.truststore.password", "changeit", "max.request.size", "5000000",
            "heap.opts", "-Xmx1g");

    @Test
    void securitySettingsReachEveryClient() {
        KafkaClients c = clients(SASL);
        for (Map<String, Object> config : java.util.List.of(c.producer(Map.of()), c.consumer(Map.of()), c.admin(Map.of()))) {
            assertThat(config).containsEntry("bootstrap.servers", "b:9093").containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("sasl.mechanism", "SCRAM-SHA-512").containsKey("sasl.jaas.config")
                    .containsEntry("ssl.truststore.location", "/etc/kafka/trust.p12");
        }
        Properties streams = c.streams(Map.of("application.id", "x"));
        assertThat(streams).containsEntry("security.protocol", "SASL_SSL").containsEntry("application.id", "x");
    }

    @Test
    void eachClientGetsOnlyWhatItKnowsAndRequiredSettingsWin() {
        KafkaClients c = clients(SASL);
        assertThat(c.producer(Map.of())).containsEntry("max.request.size", "5000000");
        assertThat(c.consumer(Map.of())).doesNotContainKey("max.request.size");
        assertThat(c.producer(Map.of("max.request.size", 17_825_792))).containsEntry("max.request.size", 17_825_792);
        // KAFKA_HEAP_OPTS and friends are not client settings: never passed on.
        assertThat(c.producer(Map.of())).doesNotContainKey("heap.opts");
        assertThat(c.describe()).doesNotContainKey("heap.opts");
    }

    @Test
    void secretsAreMaskedWhereSettingsAreLogged() {
        Map<String, String> logged = clients(SASL).describe();
        assertThat(logged).containsEntry("sasl.jaas.config", "****").containsEntry("ssl.truststore.password", "****")
                .containsEntry("security.protocol", "SASL_SSL").containsEntry("ssl.truststore.location", "/etc/kafka/trust.p12");
        assertThat(logged.toString()).doesNotContain("hunter2").doesNotContain("changeit");
        assertThat(KafkaClients.mask("ssl.keystore.key", "-----BEGIN PRIVATE KEY-----")).isEqualTo("****");
        assertThat(KafkaClients.mask("ssl.key.password", "x")).isEqualTo("****");
    }

    @Test
    void missingBootstrapServersNameTheSetting() {
        assertThatThrownBy(() -> clients(Map.of()).requireBootstrapServers())
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KAFKA_NOT_CONFIGURED))
                .hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS").hasMessageContaining("--bootstrap-servers");
    }

    @Test
    void refusalsAreAuthFailuresWithTheBrokersMessage() {
        ClipGuardException login = KafkaErrors.translate(new java.util.concurrent.ExecutionException(
                new SaslAuthenticationException("Authentication failed: Invalid username or password")));
        assertThat(login.code()).isEqualTo(ErrorCode.KAFKA_AUTH_FAILED);
        assertThat(login.getMessage()).contains("Invalid username or password");
        ClipGuardException denied = KafkaErrors.translate(new org.apache.kafka.common.KafkaException("send failed",
                new TopicAuthorizationException(java.util.Set.of("moderation.policies"))));
        assertThat(denied.code()).isEqualTo(ErrorCode.KAFKA_AUTH_FAILED);
        assertThat(denied.getMessage()).contains("moderation.policies");
        assertThat(KafkaErrors.translate(new org.apache.kafka.common.errors.TimeoutException("late")).code())
                .isEqualTo(ErrorCode.KAFKA_UNREACHABLE);
    }
}
