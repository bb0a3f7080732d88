package io.clipguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import com.fasterxml.jackson.databind.JsonNode;
import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.pdq.PdqHash;
import io.clipguard.testing.Cli;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bank hash/import/add/export/remove} on the embedded broker: hashes agree with the
 * reference, a hash list round-trips with its metadata, a bad line refuses the whole list.
 */
class BankCommandIT {
    static final String REFERENCE = "b150231ffae4710ffcf4f18bb574b109a576f14bb8543189f8743289f174b109";
    static final String OTHER = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

    @TempDir
    Path dir;

    Path resource(String name) throws IOException {
        try (InputStream in = BankCommandIT.class.getResourceAsStream("/pdq/" + name)) {
            return Files.write(dir.resolve(name), in.readAllBytes());
        }
    }

    @Test
    void hashListsRoundTripThroughTheBanksTopic() throws Exception {
        Path photo = resource("q2821.jpg");
        Cli.Run hashed = Cli.run("bank", "hash", photo.toString(), dir.resolve("missing.jpg").toString());
        assertThat(hashed.exit()).as("a missing file is named, the others hashed").isEqualTo(ErrorCode.FILE_NOT_FOUND.exitStatus());
        JsonNode line = hashed.jsonLines().get(0);
        assertThat(line.get("path").asText()).isEqualTo(photo.toString());
        assertThat(PdqHash.parse(line.get("pdq").asText()).distance(PdqHash.parse(REFERENCE))).isLessThanOrEqualTo(10);
        assertThat(line.get("quality").asInt()).isBetween(50, 100);

        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String servers = kafka.bootstrapServers();
            Path bad = Files.writeString(dir.resolve("bad.txt"), REFERENCE + "\nnot-a-hash\n" + OTHER + "\n");
            Cli.Run refused = Cli.run("bank", "import", "known-bad", bad.toString(), "--bootstrap-servers", servers);
            assertThat(refused.exit()).isEqualTo(ErrorCode.BANK_ENTRY_INVALID.exitStatus());
            assertThat(refused.err()).contains("BANK_ENTRY_INVALID").contains("line 2");
            assertThat(export(servers)).as("nothing of a refused list is written").isEmpty();

            Path list = Files.writeString(dir.resolve("list.txt"), "# exported by a partner\r\n" + REFERENCE + "\tcase=17;source=partner\r\n\r\n"
                    + OTHER + "\n");
            Cli.Run imported = Cli.run("bank", "import", "known-bad", list.toString(), "--reason", "partner list", "--bootstrap-servers", servers);
            assertThat(imported.exit()).as(imported.err()).isZero();
            assertThat(imported.out()).contains("imported 2 hashes into known-bad");
            assertThat(export(servers)).containsExactlyInAnyOrder(REFERENCE + "\tcase=17;source=partner", OTHER);

            Cli.Run added = Cli.run("bank", "add", "known-bad", resource("q1050.jpg").toString(), "--reason", "removed upload",
                    "--bootstrap-servers", servers);
            assertThat(added.exit()).as(added.err()).isZero();
            JsonNode entry = added.jsonLines().get(0);
            assertThat(entry.get("source").asText()).isEqualTo("file:q1050.jpg");
            assertThat(export(servers)).hasSize(3).contains(entry.get("pdq").asText());

            Cli.Run removed = Cli.run("bank", "remove", "known-bad", OTHER, "--bootstrap-servers", servers);
            assertThat(removed.exit()).as(removed.err()).isZero();
            assertThat(export(servers)).hasSize(2).doesNotContain(OTHER);
        }
    }

    static List<String> export(String servers) {
        Cli.Run run = Cli.run("bank", "export", "known-bad", "--bootstrap-servers", servers);
        assertThat(run.exit()).as(run.err()).isZero();
        return run.out().lines().toList();
    }
}
