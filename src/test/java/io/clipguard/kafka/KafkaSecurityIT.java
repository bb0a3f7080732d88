package io.clipguard.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.app.kafka.AclPlan;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.testing.Cli;
import io.clipguard.testing.DemoPolicy;
import io.clipguard.testing.Serve;
import io.clipguard.testing.TestNode;
import io.clipguard.tools.demo.ShapeScenes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ClipGuard against secured brokers: a SASL_PLAINTEXT (PLAIN) listener, a TLS listener with
 * a key store and trust store this test generates, and Kafka's StandardAuthorizer with the
 * least ACLs of {@link AclPlan}. {@code serve}, {@code produce}, {@code tail} and
 * {@code policy apply} work through each; wrong credentials are {@code KAFKA_AUTH_FAILED},
 * never a timeout.
 */
class KafkaSecurityIT {
    @TempDir
    Path dir;

    private final ShapeScenes scenes = new ShapeScenes(31);

    @Test
    void saslPlaintextThroughTheEnvironmentAndAKafkaConfigFile() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.sasl(Map.of("svc", "svc-secret"), false))) {
            String bootstrap = kafka.bootstrapServers();
            // Step 1: serve, configured only through KAFKA_* variables, as a container gets them.
            Map<String, String> env = new HashMap<>();
            env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
            kafka.clientSettings("svc").forEach((k, v) -> env.put("KAFKA_" + k.toUpperCase().replace('.', '_'), v));
            env.put("CLIPGUARD_STREAM_STATE_DIR", dir.resolve("state").toString());
            Process serve = Serve.start(dir, "sasl", Serve.freePort(), env, "--stream-threads", "1");
            try {
                // Step 2: produce and tail with a --kafka-config file.
                Path config = clientFile("svc.properties", kafka.clientSettings("svc"));
                Path image = Files.write(dir.resolve("red.png"), scenes.draw("red", "triangle", 320, 240, false).bytes());
                Cli.Run produced = Cli.run("produce", "--bootstrap-servers", bootstrap, "--kafka-config", config.toString(), "--image", image.toString());
                assertThat(produced.exit()).as(produced.err()).isZero();
                String contentId = produced.jsonLines().get(0).get("contentId").asText();
                Cli.Run tailed = Cli.run("tail", "--bootstrap-servers", bootstrap, "--kafka-config", config.toString(), "--from-beginning",
                        "--max", "1", "--timeout-s", "120");
                assertThat(tailed.exit()).as(tailed.err() + Files.readString(dir.resolve("sasl.err"))).isZero();
                assertThat(tailed.jsonLines()).singleElement().satisfies(l -> {
                    assertThat(l.get("key").asText()).isEqualTo(contentId);
                    assertThat(l.get("value").get("action").asText()).isEqualTo("BLOCK");
                });
                // Step 3: policy apply.
                Path policy = Files.writeString(dir.resolve("policy.yaml"), DemoPolicy.yaml().replace("threshold: 0.5", "threshold: 0.6"));
                Cli.Run applied = Cli.run("policy", "apply", policy.toString(), "--bootstrap-servers", bootstrap, "--kafka-config", config.toString());
                assertThat(applied.exit()).as(applied.err()).isZero();
                assertThat(applied.out()).contains("published demo-shapes v2");
            } finally {
                serve.destroy();
                assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(Files.readString(dir.resolve("sasl.err"))).as("secrets never reach the log")
                    .doesNotContain("svc-secret").contains("sasl.jaas.config=****");

            // Step 4: wrong credentials: a clear error, at once, from every command and from serve.
            Path wrong = clientFile("wrong.properties", Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                    "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"svc\" password=\"nope\";"));
            Cli.Run refused = Cli.run("produce", "--bootstrap-servers", bootstrap, "--kafka-config", wrong.toString(), "--uri", "https://x.example/a.jpg");
            assertThat(refused.exit()).isEqualTo(ErrorCode.Exit.KAFKA);
            assertThat(refused.err()).startsWith("KAFKA_AUTH_FAILED:").contains("Invalid username or password");
            Cli.Run refusedTail = Cli.run("tail", "--bootstrap-servers", bootstrap, "--kafka-config", wrong.toString(), "--timeout-s", "30");
            assertThat(refusedTail.err()).startsWith("KAFKA_AUTH_FAILED:");
            Cli.Run refusedApply = Cli.run("policy", "apply", dir.resolve("policy.yaml").toString(), "--bootstrap-servers", bootstrap,
                    "--kafka-config", wrong.toString());
            assertThat(refusedApply.err()).startsWith("KAFKA_AUTH_FAILED:");
            env.put("KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"svc\" password=\"nope\";");
            long t0 = System.nanoTime();
            Process bad = Serve.start(dir, "sasl-wrong", Serve.freePort(), env);
            assertThat(bad.waitFor(60, TimeUnit.SECONDS)).as("serve with a wrong password ends").isTrue();
            assertThat(bad.exitValue()).isEqualTo(ErrorCode.Exit.KAFKA);
            assertThat(Files.readString(dir.resolve("sasl-wrong.err"))).contains("KAFKA_AUTH_FAILED:").contains("Invalid username or password");
            System.out.printf("serve with a wrong password exited in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        }
    }

    @Test
    void serveWithoutBootstrapServersRefusesAtOnceUnlessAskedForAnEmbeddedBroker() throws Exception {
        Process p = Serve.start(dir, "no-kafka", Serve.freePort(), Map.of());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(ErrorCode.Exit.USAGE);
        assertThat(Files.readString(dir.resolve("no-kafka.err"))).contains("KAFKA_NOT_CONFIGURED:").contains("KAFKA_BOOTSTRAP_SERVERS")
                .contains("--bootstrap-servers");
    }

    @Test
    void tlsWithGeneratedStores() throws Exception {
        EmbeddedKafka.Tls tls = tlsStores(dir.resolve("tls"), "broker");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.ssl(tls))) {
            String bootstrap = kafka.bootstrapServers();
            Path config = clientFile("tls.properties", kafka.clientSettings("any"));
            // serve with --bootstrap-servers and --kafka-config, as Kafka's own tools take a client file.
            Process serve = Serve.start(dir, "tls", Serve.freePort(), Map.of("CLIPGUARD_STREAM_STATE_DIR", dir.resolve("tls-state").toString()),
                    "--bootstrap-servers", bootstrap, "--kafka-config", config.toString(), "--stream-threads", "1");
            try {
                Path image = Files.write(dir.resolve("yellow.png"), scenes.draw("yellow", "circle", 300, 300, false).bytes());
                assertThat(Cli.run("produce", "--bootstrap-servers", bootstrap, "--kafka-config", config.toString(), "--image", image.toString())
                        .exit()).isZero();
                Cli.Run tailed = Cli.run("tail", "--bootstrap-servers", bootstrap, "--kafka-config", config.toString(), "--from-beginning",
                        "--max", "1", "--timeout-s", "120");
                assertThat(tailed.jsonLines()).as(Files.readString(dir.resolve("tls.err")))
                        .singleElement().satisfies(l -> assertThat(l.get("value").get("action").asText()).isEqualTo("REVIEW"));
                Path policy = Files.writeString(dir.resolve("tls-policy.yaml"), DemoPolicy.yaml().replace("threshold: 0.5", "threshold: 0.55"));
                assertThat(Cli.run("policy", "apply", policy.toString(), "--bootstrap-servers", bootstrap, "--kafka-config", config.toString())
                        .out()).contains("published demo-shapes v2");
            } finally {
                serve.destroy();
                assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(Files.readString(dir.resolve("tls.err"))).contains("security.protocol=SSL").contains("ssl.truststore.password=****")
                    .doesNotContain(tls.password());
            // A client that does not trust the broker's certificate: refused, named, at once.
            EmbeddedKafka.Tls other = tlsStores(dir.resolve("other"), "stranger");
            Path untrusting = clientFile("untrusting.properties", Map.of("security.protocol", "SSL",
                    "ssl.truststore.location", other.trustStore().toString(), "ssl.truststore.password", other.password(),
                    "ssl.truststore.type", "PKCS12"));
            Cli.Run refused = Cli.run("tail", "--bootstrap-servers", bootstrap, "--kafka-config", untrusting.toString(), "--timeout-s", "30");
            assertThat(refused.exit()).isEqualTo(ErrorCode.Exit.KAFKA);
            assertThat(refused.err()).startsWith("KAFKA_AUTH_FAILED:");
            assertThatThrownBy(() -> ClipGuardNode.start(Settings.load(TestNode.settings(bootstrap, "tls2", "b", dir), untrusting), false))
                    .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KAFKA_AUTH_FAILED));
        }
    }

    @Test
    void leastPrivilegeAclsAreEnoughAndAnUploaderCannotWritePolicies() throws Exception {
        Map<String, String> users = Map.of("clipguard", "svc-pw", "uploader", "up-pw", "policy-admin", "pol-pw");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.sasl(users, true))) {
            String bootstrap = kafka.bootstrapServers();
            Map<String, String> settings = TestNode.settings(bootstrap, "acl-app", "a", dir);
            TestNode.ROLES.forEach(r -> settings.remove("clipguard.topics." + r));
            TopicRegistry topics = TestNode.registry(settings);
            // Step 1: the operator creates the topics and the ACLs (as Strimzi's KafkaTopic and KafkaUser would).
            KafkaClients admin = kafka.adminClients();
            TopicCreator.ensure(admin, topics.all());
            try (Admin a = admin.newAdmin()) {
                a.createAcls(AclPlan.bindings(AclPlan.Role.SERVICE, "User:clipguard", "acl-app", topics)).all().get();
                a.createAcls(AclPlan.bindings(AclPlan.Role.UPLOADER, "User:uploader", "acl-app", topics)).all().get();
                a.createAcls(AclPlan.bindings(AclPlan.Role.POLICY_WRITER, "User:policy-admin", "acl-app", topics)).all().get();
            }
            Path service = clientFile("service.properties", kafka.clientSettings("clipguard"));
            Path uploader = clientFile("uploader.properties", kafka.clientSettings("uploader"));
            Path policyAdmin = clientFile("policy-admin.properties", kafka.clientSettings("policy-admin"));

            // Step 2: the service runs with its ACLs alone; the uploader's image is decided.
            try (ClipGuardNode node = ClipGuardNode.start(Settings.load(settings, service), false)) {
                Path image = Files.write(dir.resolve("acl.png"), scenes.draw("red", "triangle", 300, 260, false).bytes());
                Cli.Run produced = Cli.run("produce", "--bootstrap-servers", bootstrap, "--kafka-config", uploader.toString(), "--image", image.toString());
                assertThat(produced.exit()).as(produced.err()).isZero();
                Cli.Run tailed = Cli.run("tail", "--bootstrap-servers", bootstrap, "--kafka-config", admin(kafka).toString(), "--from-beginning",
                        "--max", "1", "--timeout-s", "90");
                assertThat(tailed.jsonLines()).singleElement().satisfies(l -> assertThat(l.get("value").get("action").asText()).isEqualTo("BLOCK"));

                // Step 3: the policy writer publishes; every instance follows.
                Path policy = Files.writeString(dir.resolve("acl-policy.yaml"), DemoPolicy.yaml().replace("threshold: 0.5", "threshold: 0.65"));
                Cli.Run applied = Cli.run("policy", "apply", policy.toString(), "--bootstrap-servers", bootstrap, "--kafka-config", policyAdmin.toString());
                assertThat(applied.exit()).as(applied.err()).isZero();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                        .until(() -> node.runtime().policies().status().activeVersion() == 2);

                // Step 4: an upload producer cannot write policies, nor read decisions.
                Cli.Run forged = Cli.run("produce", "--bootstrap-servers", bootstrap, "--kafka-config", uploader.toString(),
                        "--topic", topics.policies().name(), "--image", image.toString());
                assertThat(forged.exit()).isEqualTo(ErrorCode.Exit.KAFKA);
                assertThat(forged.err()).startsWith("KAFKA_AUTH_FAILED:").contains(topics.policies().name());
                Cli.Run forgedApply = Cli.run("policy", "apply", policy.toString(), "--bootstrap-servers", bootstrap, "--kafka-config", uploader.toString());
                assertThat(forgedApply.err()).startsWith("KAFKA_AUTH_FAILED:");
                assertThat(node.runtime().policies().status().activeVersion()).isEqualTo(2);
            }
        }
    }

    private Path admin(EmbeddedKafka kafka) throws IOException {
        return clientFile("admin.properties", kafka.clientSettings(EmbeddedKafka.ADMIN));
    }

    private Path clientFile(String name, Map<String, String> settings) throws IOException {
        Properties p = new Properties();
        p.putAll(settings);
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file)) {
            p.store(out, null);
        }
        return file;
    }

    /** A self-signed certificate for localhost/127.0.0.1 in a PKCS12 key store, and a trust store holding it, made with keytool. */
    static EmbeddedKafka.Tls tlsStores(Path dir, String alias) throws Exception {
        Files.createDirectories(dir);
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        String password = "test-" + alias + "-pw";
        Path keys = dir.resolve("keys.p12");
        Path cert = dir.resolve("cert.pem");
        Path trust = dir.resolve("trust.p12");
        run(keytool, "-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-keystore", keys.toString(), "-storetype", "PKCS12", "-storepass", password,
                "-keypass", password);
        run(keytool, "-exportcert", "-rfc", "-alias", alias, "-keystore", keys.toString(), "-storepass", password, "-file", cert.toString());
        run(keytool, "-importcert", "-noprompt", "-alias", alias, "-file", cert.toString(), "-keystore", trust.toString(), "-storetype", "PKCS12",
                "-storepass", password);
        return new EmbeddedKafka.Tls(keys, trust, password);
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(output).isZero();
    }
}
