package io.clipguard.kafka;

import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The one place Kafka clients get their settings. Every {@code kafka.*} setting (from
 * {@code application.properties}, {@code KAFKA_*} environment variables as Quarkus's Kafka
 * extensions name them, a {@code --kafka-config} file, or the command line) goes to every
 * client that knows it: bootstrap servers, TLS, SASL, timeouts. {@code kafka-streams.*}
 * goes to Kafka Streams alone. ClipGuard's own required settings (transactions, isolation,
 * record sizes) are laid on top by the caller and win.
 *
 * <p>Secrets ({@code *password*}, {@code sasl.jaas.config}, keys) are masked in
 * {@link #describe()}, the only form in which client settings are logged.
 */
public final class KafkaClients {
    private static final Logger LOG = Logger.getLogger(KafkaClients.class.getName());
    private static final Pattern SECRET = Pattern.compile("(?i).*(password|secret|jaas|token|credential|keystore\\.key|\\.key$).*");
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, String> common;
    private final Map<String, String> streamsOnly;

    private KafkaClients(Map<String, String> common, Map<String, String> streamsOnly) {
        this.common = Map.copyOf(common);
        this.streamsOnly = Map.copyOf(streamsOnly);
    }

    /** The {@code kafka.*} and {@code kafka-streams.*} groups of these settings. */
    public static KafkaClients from(Settings settings) {
        Map<String, String> kafka = settings.group("kafka", "KAFKA_STREAMS_");
        Set<String> unknown = new TreeSet<>();
        Map<String, String> known = new TreeMap<>();
        kafka.forEach((k, v) -> {
            if (knownToAnyClient(k)) {
                known.put(k, v);
            } else {
                unknown.add(k);
            }
        });
        if (!unknown.isEmpty()) {
            LOG.warning("ignoring kafka.* settings that no Kafka client knows: " + unknown);
        }
        return new KafkaClients(known, settings.group("kafka-streams", null));
    }

    /** Plain settings: just these bootstrap servers (tests, the embedded broker). */
    public static KafkaClients of(String bootstrapServers) {
        return new KafkaClients(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), Map.of());
    }

    /** The same settings with other bootstrap servers (and extra client settings, e.g. the embedded broker's security). */
    public KafkaClients with(String bootstrapServers, Map<String, String> extra) {
        Map<String, String> c = new HashMap<>(common);
        c.putAll(extra);
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return new KafkaClients(c, streamsOnly);
    }

    public Optional<String> bootstrapServers() {
        return Optional.ofNullable(common.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)).filter(s -> !s.isBlank());
    }

    /** The bootstrap servers, or {@code KAFKA_NOT_CONFIGURED}. */
    public String requireBootstrapServers() {
        return bootstrapServers().orElseThrow(() -> new ClipGuardException(ErrorCode.KAFKA_NOT_CONFIGURED,
                "no Kafka bootstrap servers: set KAFKA_BOOTSTRAP_SERVERS or --bootstrap-servers"));
    }

    public Map<String, Object> producer(Map<String, ?> required) {
        return merge(ProducerConfig.configNames(), required);
    }

    public Map<String, Object> consumer(Map<String, ?> required) {
        return merge(ConsumerConfig.configNames(), required);
    }

    public Map<String, Object> admin(Map<String, ?> required) {
        return merge(AdminClientConfig.configNames(), required);
    }

    /** Kafka Streams: every client setting (Streams hands them to its clients), then {@code kafka-streams.*}, then {@code required}. */
    public Properties streams(Map<String, ?> required) {
        Properties p = new Properties();
        p.putAll(common);
        p.putAll(streamsOnly);
        p.putAll(required);
        return p;
    }

    public Admin newAdmin() {
        return Admin.create(admin(Map.of()));
    }

    public KafkaProducer<byte[], byte[]> newProducer(Map<String, ?> required) {
        return new KafkaProducer<>(producer(required), new ByteArraySerializer(), new ByteArraySerializer());
    }

    public KafkaConsumer<byte[], byte[]> newConsumer(Map<String, ?> required) {
        return new KafkaConsumer<>(consumer(required), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Checks that a broker answers and accepts these credentials, so that a wrong password
     * or protocol is one clear error at start, not a minute of retries:
     * {@code KAFKA_AUTH_FAILED}, {@code KAFKA_UNREACHABLE} or {@code KAFKA_NOT_CONFIGURED}.
     */
    public void check() {
        String bootstrap = requireBootstrapServers();
        Map<String, Object> config = admin(Map.of(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CHECK_TIMEOUT.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) CHECK_TIMEOUT.toMillis()));
        try (Admin admin = Admin.create(config)) {
            admin.describeCluster().nodes().get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw unreachable(bootstrap);
        } catch (ExecutionException e) {
            ClipGuardException translated = KafkaErrors.translate(e);
            throw translated.code() == ErrorCode.KAFKA_UNREACHABLE ? unreachable(bootstrap) : translated;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClipGuardException(ErrorCode.INTERRUPTED, "interrupted while connecting to Kafka");
        } catch (org.apache.kafka.common.KafkaException e) {
            throw KafkaErrors.translate(e);
        }
    }

    private ClipGuardException unreachable(String bootstrap) {
        return new ClipGuardException(ErrorCode.KAFKA_UNREACHABLE, "no Kafka broker answered at " + bootstrap + " within "
                + CHECK_TIMEOUT.toSeconds() + " s with security.protocol " + common.getOrDefault("security.protocol", "PLAINTEXT")
                + " (check KAFKA_BOOTSTRAP_SERVERS and KAFKA_SECURITY_PROTOCOL)");
    }

    /** Every setting passed to clients, secrets masked: the form to log. */
    public Map<String, String> describe() {
        Map<String, String> out = new TreeMap<>();
        common.forEach((k, v) -> out.put(k, mask(k, v)));
        streamsOnly.forEach((k, v) -> out.put("streams:" + k, mask(k, v)));
        return out;
    }

    static String mask(String key, String value) {
        return SECRET.matcher(key).matches() ? "****" : value;
    }

    private Map<String, Object> merge(Set<String> known, Map<String, ?> required) {
        Map<String, Object> out = new HashMap<>();
        common.forEach((k, v) -> {
            if (known.contains(k)) {
                out.put(k, v);
            }
        });
        out.putAll(required);
        return out;
    }

    private static boolean knownToAnyClient(String key) {
        return ProducerConfig.configNames().contains(key) || ConsumerConfig.configNames().contains(key)
                || AdminClientConfig.configNames().contains(key) || StreamsConfig.configDef().names().contains(key);
    }
}
