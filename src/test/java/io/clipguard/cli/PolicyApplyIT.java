package io.clipguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.policy.catalog.PolicyCatalog;
import io.clipguard.policy.kafka.PolicyLog;
import io.clipguard.testing.Cli;
import io.clipguard.testing.DemoPolicy;
import io.clipguard.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code policy apply} against a real broker: outputs, effects and exit codes. */
class PolicyApplyIT {
    @TempDir
    Path dir;

    @Test
    void policyApplyPublishesChangedFilesOnly() throws Exception {
        String demo = DemoPolicy.yaml();
        Path file = Files.writeString(dir.resolve("p.yaml"), demo);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            Cli.Run first = Cli.run("policy", "apply", file.toString(), "--bootstrap-servers", bootstrap, "--author", "ops");
            assertThat(first.exit()).as(first.err()).isZero();
            assertThat(first.out()).contains("published demo-shapes v1");
            assertThat(Cli.run("policy", "apply", file.toString(), "--bootstrap-servers", bootstrap).out()).startsWith("unchanged");
            Files.writeString(file, demo.replace("threshold: 0.5", "threshold: 0.7"));
            assertThat(Cli.run("policy", "apply", file.toString(), "--bootstrap-servers", bootstrap).out())
                    .contains("published demo-shapes v2");
            PolicyCatalog catalog = PolicyCatalog.of(PolicyLog.readAll(KafkaClients.of(bootstrap), TestNode.registry(java.util.Map.of()), Duration.ofSeconds(10)));
            assertThat(catalog.head("demo-shapes").orElseThrow().getActiveVersion()).isEqualTo(2);
            assertThat(catalog.version("demo-shapes", 1).orElseThrow().getAuthor()).isEqualTo("cli:ops");

            Files.writeString(file, demo.replace("threshold: 0.5", "threshold: 2"));
            Cli.Run invalid = Cli.run("policy", "apply", file.toString(), "--bootstrap-servers", bootstrap);
            assertThat(invalid.exit()).isEqualTo(ErrorCode.Exit.FILE);
            assertThat(invalid.err()).startsWith("POLICY_INVALID:").contains("$.categories[0].threshold");
            Cli.Run missing = Cli.run("policy", "apply", dir.resolve("nope.yaml").toString(), "--bootstrap-servers", bootstrap);
            assertThat(missing.exit()).isEqualTo(ErrorCode.Exit.FILE);
            assertThat(missing.err()).startsWith("FILE_UNREADABLE:");
        }
    }
}
