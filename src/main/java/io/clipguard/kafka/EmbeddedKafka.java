package io.clipguard.kafka;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node KRaft Kafka (one combined broker and controller) in this JVM, from Kafka's
 * own server classes at the BOM's Kafka version: the embedded default of {@code demo} and
 * {@code serve --embedded-kafka}, and the tests' broker. It listens on loopback, keeps its
 * data in a temporary folder removed on close, and can be stopped and started again on the
 * same data and port (broker restarts in fault tests).
 *
 * <p>Its client listener is plain, SASL/PLAIN with the given users, or TLS with the given
 * key and trust stores; optionally with Kafka's {@code StandardAuthorizer} (ACLs, the
 * {@code admin} user is the super user). The metadata version is the latest production one
 * (Kafka's test kit defaults to an unreleased testing version).
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddedKafka.class.getName());
    /** The broker's own user in SASL mode (inter-broker and controller connections); the super user. */
    public static final String ADMIN = "admin";

    /** How clients reach the broker. */
    public enum Protocol {
        PLAINTEXT, SASL_PLAINTEXT, SSL
    }

    /**
     * @param users      SASL/PLAIN users (name to password), besides {@link #ADMIN}
     * @param tls        key and trust stores for {@link Protocol#SSL}
     * @param authorizer whether ACLs are enforced (deny by default, {@link #ADMIN} is super user)
     */
    public record Options(Protocol protocol, Map<String, String> users, Tls tls, boolean authorizer) {
        public static Options plaintext() {
            return new Options(Protocol.PLAINTEXT, Map.of(), null, false);
        }

        public static Options sasl(Map<String, String> users, boolean authorizer) {
            return new Options(Protocol.SASL_PLAINTEXT, users, null, authorizer);
        }

        public static Options ssl(Tls tls) {
            return new Options(Protocol.SSL, Map.of(), tls, false);
        }
    }

    /** PKCS12 key store (the broker's certificate) and trust store, one password for both. */
    public record Tls(Path keyStore, Path trustStore, String password) {
    }

    private final Options options;
    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final String adminPassword = Uuid.randomUuid().toString();
    private KafkaConfig config;
    private KafkaRaftServer server;

    private EmbeddedKafka(Options options, Path dir, int port, int controllerPort) {
        this.options = options;
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** A plain broker. */
    public static EmbeddedKafka start() {
        return start(Options.plaintext());
    }

    public static EmbeddedKafka start(Options options) {
        neverExitThisProcess();
        try {
            EmbeddedKafka kafka = new EmbeddedKafka(options, Files.createTempDirectory("clipguard-kafka"), freePort(), freePort());
            kafka.config = new KafkaConfig(kafka.serverProperties(), false);
            kafka.format();
            kafka.startServer();
            LOG.info("embedded Kafka (KRaft, " + options.protocol() + ") at " + kafka.bootstrapServers());
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException("embedded broker: " + e.getMessage(), e);
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The client settings (besides bootstrap servers) to connect as {@code user}: SASL credentials or the trust store. */
    public Map<String, String> clientSettings(String user) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("security.protocol", options.protocol().name());
        if (options.protocol() == Protocol.SASL_PLAINTEXT) {
            String password = user.equals(ADMIN) ? adminPassword : options.users().get(user);
            out.put("sasl.mechanism", "PLAIN");
            out.put("sasl.jaas.config", plainLogin(user, password == null ? "" : password, Map.of()));
        } else if (options.protocol() == Protocol.SSL) {
            out.put("ssl.truststore.location", options.tls().trustStore().toString());
            out.put("ssl.truststore.password", options.tls().password());
            out.put("ssl.truststore.type", "PKCS12");
        }
        return out;
    }

    /** Clients as the super user (creating ACLs, topics in tests). */
    public KafkaClients adminClients() {
        return KafkaClients.of(bootstrapServers()).with(bootstrapServers(), clientSettings(ADMIN));
    }

    /** Stops the broker and keeps its data: clients see it gone until {@link #restart()}. */
    public synchronized void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    /** Starts it again on the same data and port. */
    public synchronized void restart() {
        stop();
        startServer();
    }

    @Override
    public synchronized void close() {
        try {
            stop();
        } catch (RuntimeException e) {
            LOG.warning("stopping the embedded broker: " + e.getMessage());
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warning("removing " + dir + ": " + e.getMessage());
        }
    }

    private void startServer() {
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        awaitReady();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        try (Admin admin = adminClients().newAdmin()) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("embedded broker not ready: " + e.getMessage(), e);
                    }
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the embedded broker", e);
        }
    }

    private void format() {
        try (PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream())) {
            new Formatter().setPrintStream(quiet).setNodeId(1).setClusterId(Uuid.randomUuid().toString())
                    .setDirectories(List.of(logDir().toString())).setMetadataLogDirectory(logDir().toString())
                    .setControllerListenerName("CONTROLLER").setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES).setHasDynamicQuorum(false).run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the embedded broker's storage: " + e.getMessage(), e);
        }
    }

    private Path logDir() {
        return dir.resolve("data");
    }

    private Map<String, Object> serverProperties() {
        Map<String, Object> p = new HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listeners", "CLIENT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "CLIENT://127.0.0.1:" + port);
        p.put("inter.broker.listener.name", "CLIENT");
        p.put("log.dirs", logDir().toString());
        p.put("metadata.log.dir", logDir().toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "6");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        p.put("log.cleaner.dedupe.buffer.size", "2097152");
        String controller = "PLAINTEXT";
        switch (options.protocol()) {
            case PLAINTEXT -> { }
            case SASL_PLAINTEXT -> {
                // The controller listener takes SASL too, so that the broker's own connections authenticate as the super user.
                controller = "SASL_PLAINTEXT";
                Map<String, String> users = new HashMap<>(options.users());
                users.put(ADMIN, adminPassword);
                p.put("sasl.enabled.mechanisms", "PLAIN");
                p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
                p.put("sasl.mechanism.controller.protocol", "PLAIN");
                p.put("listener.name.client.plain.sasl.jaas.config", plainLogin(ADMIN, adminPassword, users));
                p.put("listener.name.controller.plain.sasl.jaas.config", plainLogin(ADMIN, adminPassword, Map.of(ADMIN, adminPassword)));
            }
            case SSL -> {
                Tls tls = options.tls();
                p.put("ssl.keystore.location", tls.keyStore().toString());
                p.put("ssl.keystore.password", tls.password());
                p.put("ssl.keystore.type", "PKCS12");
                p.put("ssl.key.password", tls.password());
                p.put("ssl.truststore.location", tls.trustStore().toString());
                p.put("ssl.truststore.password", tls.password());
                p.put("ssl.truststore.type", "PKCS12");
                p.put("ssl.client.auth", "none");
            }
        }
        p.put("listener.security.protocol.map", "CLIENT:" + options.protocol().name() + ",CONTROLLER:" + controller);
        if (options.authorizer()) {
            p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            p.put("super.users", "User:" + ADMIN);
            p.put("allow.everyone.if.no.acl.found", "false");
        }
        return p;
    }

    private static String plainLogin(String user, String password, Map<String, String> users) {
        StringBuilder s = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"")
                .append(user).append("\" password=\"").append(password).append('"');
        users.forEach((name, pw) -> s.append(" user_").append(name).append("=\"").append(pw).append('"'));
        return s.append(';').toString();
    }

    /**
     * Kafka's server code calls {@code Exit.exit} on fatal faults; inside an application or a
     * test that must never end the whole process, so it is logged instead.
     */
    private static void neverExitThisProcess() {
        Exit.setExitProcedure((status, message) -> LOG.severe("embedded broker asked to exit(" + status + "): " + message));
        Exit.setHaltProcedure((status, message) -> LOG.severe("embedded broker asked to halt(" + status + "): " + message));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
