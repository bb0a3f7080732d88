package io.clipguard.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility;
import org.junit.jupiter.api.Test;

/**
 * The build gate for schema changes: every schema in {@code schemas/} must stay compatible,
 * both ways, with its latest released version in {@code schemas/released/}: new readers read
 * old records (backward) and old readers read new records (forward). Checked with Avro's own
 * {@link SchemaCompatibility}.
 */
class SchemaCompatibilityTest {
    @Test
    void currentSchemasAreFullyCompatibleWithTheLatestRelease() throws Exception {
        Map<String, Schema> released = KnownSchemas.releases().get(KnownSchemas.releases().size() - 1);
        Schema.Parser parser = new Schema.Parser();
        List<Schema> current = new ArrayList<>();
        for (String file : List.of("common/CategoryScore.avsc", "common/BankMatch.avsc", "BankEntry.avsc", "ImageUploaded.avsc", "ModerationDecision.avsc", "AuditRecord.avsc",
                "EmbeddingRecord.avsc", "DeadLetter.avsc", "StoredDecision.avsc", "PolicyEntry.avsc", "PolicyChange.avsc",
                "ShadowDecision.avsc")) {
            current.add(parser.parse(Files.readString(Path.of("schemas", file))));
        }
        for (Schema schema : current) {
            Schema old = released.get(schema.getName());
            assertThat(old).as("released version of %s", schema.getName()).isNotNull();
            assertCompatible(schema, old, "backward: current reads released " + schema.getName());
            assertCompatible(old, schema, "forward: released reads current " + schema.getName());
        }
    }

    @Test
    void eachReleaseIsCompatibleBothWaysWithTheOneBefore() {
        List<Map<String, Schema>> releases = KnownSchemas.releases();
        for (int r = 1; r < releases.size(); r++) {
            for (Map.Entry<String, Schema> e : releases.get(r).entrySet()) {
                Schema before = releases.get(r - 1).get(e.getKey());
                if (before != null) {
                    assertCompatible(e.getValue(), before, "release " + (r + 1) + " reads release " + r + " " + e.getKey());
                    assertCompatible(before, e.getValue(), "release " + r + " reads release " + (r + 1) + " " + e.getKey());
                }
            }
        }
    }

    @Test
    void theGateCatchesAnIncompatibleChange() {
        Schema old = KnownSchemas.releases().get(0).get("ImageUploaded");
        // A new required field without a default: new readers cannot read old records.
        String json = old.toString().replace("{\"name\":\"tenant\"", "{\"name\":\"region\",\"type\":\"string\"},{\"name\":\"tenant\"");
        Schema changed = new Schema.Parser().parse(json);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(changed, old).getType())
                .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    @Test
    void eachUploadedRecordCanBeReadWithADefaultedNewField() throws Exception {
        Schema old = KnownSchemas.releases().get(0).get("ImageUploaded");
        String json = old.toString().replace("{\"name\":\"tenant\"", "{\"name\":\"region\",\"type\":\"string\",\"default\":\"eu\"},{\"name\":\"tenant\"");
        Schema evolved = new Schema.Parser().parse(json);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(evolved, old).getType()).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    private static void assertCompatible(Schema reader, Schema writer, String what) {
        SchemaCompatibility.SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        assertThat(result.getType()).as(what + ": " + result.getDescription()).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }
}
