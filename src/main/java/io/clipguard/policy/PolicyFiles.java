package io.clipguard.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Reads policy YAML into a {@link Policy}, with messages that name the field at fault, and
 * hashes a policy's content. YAML is parsed into plain data (no custom tags, no object
 * construction); the document size is capped.
 */
public final class PolicyFiles {
    static final int MAX_BYTES = 256 * 1024;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper CANONICAL = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private PolicyFiles() {
    }

    public static Policy read(Path file) {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new PolicyException(file + ": larger than " + MAX_BYTES + " bytes");
            }
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new PolicyException(file + ": cannot read: " + e.getMessage());
        }
    }

    public static Policy parse(String yaml, String where) {
        if (yaml.length() > MAX_BYTES) {
            throw new PolicyException(where + ": larger than " + MAX_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (IOException e) {
            throw new PolicyException(where + ": not valid YAML: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new PolicyException(where + ": expected a mapping at the top level");
        }
        List<Policy.Category> categories = new ArrayList<>();
        JsonNode cats = required(root, "categories", where);
        if (!cats.isArray() || cats.isEmpty()) {
            throw new PolicyException(where + ": categories: expected a non-empty list");
        }
        for (int i = 0; i < cats.size(); i++) {
            JsonNode c = cats.get(i);
            String at = where + ": categories[" + i + "]";
            double threshold = required(c, "threshold", at).asDouble(-1);
            if (!(threshold > 0 && threshold <= 1)) {
                throw new PolicyException(at + ".threshold: expected a number in (0, 1], found " + c.get("threshold"));
            }
            Policy.Action action = action(required(c, "action", at), at + ".action");
            if (action == Policy.Action.ALLOW) {
                throw new PolicyException(at + ".action: expected review or block, found allow");
            }
            categories.add(new Policy.Category(text(c, "id", at), c.path("name").asText(text(c, "id", at)),
                    strings(required(c, "prompts", at), at + ".prompts"), threshold, action));
        }
        return new Policy(text(root, "id", where), required(root, "version", where).asInt(1), root.path("description").asText(""),
                root.hasNonNull("model") ? root.get("model").asText() : null,
                root.has("templates") ? strings(root.get("templates"), where + ": templates") : List.of(),
                List.copyOf(categories),
                root.has("benign") ? strings(root.get("benign"), where + ": benign") : List.of(),
                root.has("defaultAction") ? action(root.get("defaultAction"), where + ": defaultAction") : Policy.Action.ALLOW);
    }

    /** sha256 of the policy's canonical JSON: equal content, equal hash, whatever the YAML layout. */
    public static String hash(Policy policy) {
        try {
            byte[] canonical = CANONICAL.writeValueAsBytes(CANONICAL.valueToTree(policy));
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode required(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new PolicyException(where + "." + field + ": required");
        }
        return v;
    }

    private static String text(JsonNode node, String field, String where) {
        String v = required(node, field, where).asText();
        if (v.isBlank()) {
            throw new PolicyException(where + "." + field + ": must not be blank");
        }
        return v;
    }

    private static List<String> strings(JsonNode node, String where) {
        if (!node.isArray() || node.isEmpty()) {
            throw new PolicyException(where + ": expected a non-empty list of strings");
        }
        List<String> out = new ArrayList<>();
        node.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    private static Policy.Action action(JsonNode node, String where) {
        try {
            return Policy.Action.valueOf(node.asText().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new PolicyException(where + ": expected allow, review or block, found '" + node.asText() + "'");
        }
    }
}
