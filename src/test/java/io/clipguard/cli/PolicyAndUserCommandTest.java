package io.clipguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.clipguard.api.security.UserFile;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.policy.catalog.PolicyCatalog;
import io.clipguard.stream.PolicyLog;
import io.clipguard.stream.TopicRegistry;
import io.clipguard.testing.DemoPolicy;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code policy apply} against a real broker, and {@code user add}: outputs, effects and exit codes. */
class PolicyAndUserCommandTest {
    @TempDir
    Path dir;

    @Test
    void policyApplyPublishesChangedFilesOnly() throws Exception {
        String demo = DemoPolicy.yaml();
        Path file = Files.writeString(dir.resolve("p.yaml"), demo);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            CommandLineTest.Run first = CommandLineTest.run("policy", "apply", file.toString(), "--bootstrap-servers", bootstrap, "--author", "ops");
            assertThat(first.exit()).as(first.err()).isZero();
            assertThat(first.out()).contains("published demo-shapes v1");
            assertThat(CommandLineTest.run("policy", "apply", file.toString(), "--bootstrap-servers", bootstrap).out()).startsWith("unchanged");
            Files.writeString(file, demo.replace("threshold: 0.5", "threshold: 0.7"));
            assertThat(CommandLineTest.run("policy", "apply", file.toString(), "--bootstrap-servers", bootstrap).out())
                    .contains("published demo-shapes v2");
            PolicyCatalog catalog = PolicyCatalog.of(PolicyLog.readAll(bootstrap, TopicRegistry.defaults(), Duration.ofSeconds(10)));
            assertThat(catalog.head("demo-shapes").orElseThrow().getActiveVersion()).isEqualTo(2);
            assertThat(catalog.version("demo-shapes", 1).orElseThrow().getAuthor()).isEqualTo("cli:ops");

            Files.writeString(file, demo.replace("threshold: 0.5", "threshold: 2"));
            CommandLineTest.Run invalid = CommandLineTest.run("policy", "apply", file.toString(), "--bootstrap-servers", bootstrap);
            assertThat(invalid.exit()).isEqualTo(CliFailure.FILE);
            assertThat(invalid.err()).startsWith("POLICY_INVALID:").contains("$.categories[0].threshold");
            CommandLineTest.Run missing = CommandLineTest.run("policy", "apply", dir.resolve("nope.yaml").toString(), "--bootstrap-servers", bootstrap);
            assertThat(missing.exit()).isEqualTo(CliFailure.FILE);
            assertThat(missing.err()).startsWith("FILE_UNREADABLE:");
        }
    }

    @Test
    void userAddWritesAHashedPasswordAndRefusesUnknownRoles() throws Exception {
        Path users = dir.resolve("users");
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream("s3cret-passw0rd\n".getBytes(StandardCharsets.UTF_8)));
            CommandLineTest.Run ok = CommandLineTest.run("user", "add", "erin", "--role", "viewer", "--role", "editor", "--file", users.toString());
            assertThat(ok.exit()).as(ok.err()).isZero();
            String text = Files.readString(users);
            assertThat(text).contains("erin:pbkdf2-sha256$210000$").doesNotContain("s3cret");
            var all = UserFile.read(users);
            assertThat(UserFile.authenticate(all, "erin", "s3cret-passw0rd".toCharArray())).contains(Set.of("viewer", "editor"));
            assertThat(UserFile.authenticate(all, "erin", "wrong-password".toCharArray())).isEmpty();

            System.setIn(new ByteArrayInputStream("s3cret-passw0rd\n".getBytes(StandardCharsets.UTF_8)));
            CommandLineTest.Run bad = CommandLineTest.run("user", "add", "x", "--role", "admin", "--file", users.toString());
            assertThat(bad.exit()).isEqualTo(CliFailure.USAGE);
            assertThat(bad.err()).contains("unknown role 'admin'");
        } finally {
            System.setIn(stdin);
        }
    }
}
