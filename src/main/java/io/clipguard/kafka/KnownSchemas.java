package io.clipguard.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.message.SchemaStore;

/**
 * Every released writer schema (from {@code schemas/released/INDEX} on the classpath), so
 * that readers resolve records written by older releases: schema evolution without a
 * registry. Unknown fingerprints are refused by the decoder.
 */
public final class KnownSchemas {
    private static final SchemaStore.Cache STORE = new SchemaStore.Cache();
    private static final List<Map<String, Schema>> RELEASES = load();

    private KnownSchemas() {
    }

    public static SchemaStore store() {
        return STORE;
    }

    /** Releases in order; each maps a record's simple name to its schema in that release. */
    public static List<Map<String, Schema>> releases() {
        return RELEASES;
    }

    private static List<Map<String, Schema>> load() {
        List<Map<String, Schema>> releases = new ArrayList<>();
        for (String line : read("schemas/released/INDEX").lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.trim().split("\\s+");
            Schema.Parser parser = new Schema.Parser();
            Map<String, Schema> release = new LinkedHashMap<>();
            for (int i = 1; i < parts.length; i++) {
                Schema schema = parser.parse(read("schemas/released/" + parts[i]));
                release.put(schema.getName(), schema);
                STORE.addSchema(schema);
            }
            releases.add(release);
        }
        return List.copyOf(releases);
    }

    private static String read(String resource) {
        try (InputStream in = KnownSchemas.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
