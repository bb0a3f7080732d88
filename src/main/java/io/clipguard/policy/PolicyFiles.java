package io.clipguard.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.clipguard.config.ClipGuardConfig;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.NodeEvent;

/**
 * Reads policy YAML into a {@link Policy}. YAML is parsed as plain data with SnakeYAML's
 * safe limits (no custom tags or object construction, few aliases, no duplicate keys, a
 * size cap), then validated against {@code schemas/policy.schema.json}, the source of
 * truth, with messages that name the field path and what was expected.
 */
public final class PolicyFiles {
    /**
     * Bounds every record a policy becomes: a version (the YAML, and at most 64 Ki characters of
     * the backtest saved with a draft), and a change (a unified diff of
     * two versions, under 3 x 256 KiB even for one-character lines), all below Kafka's default
     * 1 MB message limit, so no policy can be accepted that its topics would then refuse.
     */
    static final int MAX_BYTES = 256 * 1024;
    /**
     * Prompt texts one document may ask the text encoder for (every prompt, exclusion and benign
     * prompt under every template): a bound on the CPU a validate, try or publish costs (about 60 ms
     * each for a ViT-B/32 text tower on a CPU core), well above the shipped policies' 100 or so.
     */
    public static final int MAX_PROMPT_TEXTS = 2000;
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder().loaderOptions(loaderOptions()).build());
    private static final ObjectMapper CANONICAL = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final JsonSchema SCHEMA = loadSchema();

    private PolicyFiles() {
    }

    /** The policy an instance enforces when no file names one: the demo policy in the application's resources. */
    public static final String BUNDLED = "policies/demo-shapes.yaml";

    /** The policy whose id an instance enforces: {@code clipguard.policies.file}, else the bundled demo policy. */
    public static Policy enforced(ClipGuardConfig.Policies policies) {
        return policies.file().map(PolicyFiles::read).orElseGet(() -> parse(bundledText(), BUNDLED));
    }

    /** The bundled demo policy's text. */
    public static String bundledText() {
        try (InputStream in = PolicyFiles.class.getClassLoader().getResourceAsStream(BUNDLED)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("bundled demo policy unreadable", e);
        }
    }

    public static Policy read(Path file) {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new ClipGuardException(ErrorCode.POLICY_INVALID, file + ": larger than " + MAX_BYTES + " bytes");
            }
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, file + ": cannot read: " + e.getMessage());
        }
    }

    public static Policy parse(String yaml, String where) {
        JsonNode root = tree(yaml, where);
        Set<ValidationMessage> problems = SCHEMA.validate(root);
        if (!problems.isEmpty()) {
            List<String> errors = problems.stream()
                    .map(m -> m.getInstanceLocation() + ": " + m.getMessage().replaceFirst("^\\$[^:]*: ", ""))
                    .sorted().toList();
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, where + ": " + String.join("; ", errors), errors);
        }
        return toPolicy(root, where);
    }

    /**
     * The document as plain data, before the schema is checked (what the studio's form edits):
     * the same size cap, alias refusal and parser limits as {@link #parse}.
     */
    static JsonNode tree(String yaml, String where) {
        if (yaml.length() > MAX_BYTES || yaml.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, where + ": larger than " + MAX_BYTES + " bytes");
        }
        refuseAliases(yaml, where);
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (IOException | RuntimeException e) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, where + ": not valid YAML: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, where + ": expected a mapping at the top level");
        }
        return root;
    }

    /**
     * Parses a stored or submitted document as version {@code version} of {@code policyId}
     * (null: any id): the document's own {@code version:} line is replaced, since the
     * catalog numbers versions.
     */
    public static Policy parseVersion(String policyId, String yaml, int version) {
        Policy policy = parse(withVersion(yaml, version), "policy");
        if (policyId != null && !policy.id().equals(policyId)) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, "policy: id '" + policy.id() + "' does not match '" + policyId + "'",
                    List.of("$.id: expected '" + policyId + "', found '" + policy.id() + "'"));
        }
        return policy;
    }

    private static Policy toPolicy(JsonNode root, String where) {
        int schemaVersion = root.path("schemaVersion").asInt(1);
        List<String> errors = new ArrayList<>();
        List<Policy.Category> categories = new ArrayList<>();
        JsonNode list = root.get("categories");
        for (int i = 0; i < list.size(); i++) {
            JsonNode c = list.get(i);
            Policy.CategoryCalibration calibration = null;
            if (c.has("calibration")) {
                JsonNode k = c.get("calibration");
                List<double[]> points = new ArrayList<>();
                k.get("points").forEach(point -> points.add(new double[] {point.get(0).asDouble(), point.get(1).asDouble()}));
                try {
                    calibration = new Policy.CategoryCalibration(CalibrationCurve.of(points), k.get("promptsHash").asText(),
                            k.path("positives").asInt(0), k.path("negatives").asInt(0));
                } catch (IllegalArgumentException e) {
                    errors.add("$.categories[" + i + "].calibration.points: " + e.getMessage());
                }
                if (schemaVersion < 2) {
                    errors.add("$.categories[" + i + "].calibration: calibrations need schemaVersion: 2 (independent categories)");
                } else if (!root.has("calibration")) {
                    errors.add("$.categories[" + i + "].calibration: a calibrated category needs the top-level calibration (model digest, "
                            + "logit scale, date) it was fitted with");
                }
            }
            categories.add(new Policy.Category(c.get("id").asText(), c.path("name").asText(c.get("id").asText()),
                    c.path("severity").asInt(3), strings(c.get("prompts")), strings(c.get("exclusions")),
                    c.get("threshold").asDouble(), action(c.get("action").asText()), calibration,
                    c.hasNonNull("bank") ? c.get("bank").asText() : null));
        }
        List<Policy.Bank> banks = new ArrayList<>();
        for (JsonNode b : root.path("banks")) {
            Policy.BankKind kind = Policy.BankKind.valueOf(b.get("kind").asText().toUpperCase(Locale.ROOT));
            banks.add(new Policy.Bank(b.get("id").asText(), kind, b.path("maxDistance").asInt(31), b.path("minSimilarity").asDouble(0.9),
                    b.path("negative").asBoolean(false)));
        }
        for (int i = 0; i < banks.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (banks.get(j).id().equals(banks.get(i).id())) {
                    errors.add("$.banks[" + i + "].id: bank '" + banks.get(i).id() + "' is declared twice");
                }
            }
        }
        for (int i = 0; i < categories.size(); i++) {
            Policy.Category c = categories.get(i);
            if (c.bank() != null) {
                Policy.Bank bank = banks.stream().filter(b -> b.id().equals(c.bank())).findFirst().orElse(null);
                if (bank == null) {
                    errors.add("$.categories[" + i + "].bank: no bank '" + c.bank() + "' is declared under banks");
                } else if (bank.negative()) {
                    errors.add("$.categories[" + i + "].bank: bank '" + c.bank() + "' is negative (it exempts uploads; it cannot trigger a category)");
                }
            }
            if (c.prompts().isEmpty() && c.bank() == null) {
                errors.add("$.categories[" + i + "]: a category needs prompts, a bank, or both");
            }
        }
        Policy.Calibration calibration = null;
        if (root.has("calibration")) {
            JsonNode k = root.get("calibration");
            calibration = new Policy.Calibration(k.get("method").asText(), k.get("modelDigest").asText(), k.get("logitScale").asDouble(),
                    Instant.parse(k.get("fittedAt").asText()), k.path("source").asText("labels"));
        }
        if (schemaVersion < 2) {
            for (String field : List.of("calibration", "blockSampleRate", "banks")) {
                if (root.has(field)) {
                    errors.add("$." + field + ": needs schemaVersion: 2 (independent categories)");
                }
            }
        }
        int templates = Math.max(1, strings(root.get("templates")).size());
        long texts = (categories.stream().mapToLong(c -> c.prompts().size() + c.exclusions().size()).sum() + strings(root.get("benign")).size())
                * templates;
        if (texts > MAX_PROMPT_TEXTS) {
            errors.add("$: " + texts + " prompt texts to embed (prompts, exclusions and benign prompts, each under " + templates
                    + " templates); at most " + MAX_PROMPT_TEXTS);
        }
        if (!errors.isEmpty()) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, where + ": " + String.join("; ", errors), errors);
        }
        return new Policy(schemaVersion, root.get("id").asText(), root.get("version").asInt(), root.path("description").asText(""),
                root.hasNonNull("model") ? root.get("model").asText() : null, root.path("dimension").asInt(0),
                strings(root.get("templates")), List.copyOf(categories), strings(root.get("benign")),
                root.has("defaultAction") ? action(root.get("defaultAction").asText()) : Policy.Action.ALLOW,
                root.path("reviewBand").asDouble(0), root.path("reviewSampleRate").asDouble(0), root.path("blockSampleRate").asDouble(0),
                calibration, List.copyOf(banks));
    }

    /**
     * sha256 of the policy's canonical JSON: equal content, equal hash, whatever the YAML layout.
     * Fields added with schema 2 are left out while they hold their schema-1 defaults, so that a
     * version written before them keeps the hash its decisions name.
     */
    public static String hash(Policy policy) {
        try {
            ObjectNode tree = CANONICAL.valueToTree(policy);
            if (policy.schemaVersion() == 1) {
                tree.remove("schemaVersion");
            }
            if (policy.blockSampleRate() == 0) {
                tree.remove("blockSampleRate");
            }
            if (policy.calibration() == null) {
                tree.remove("calibration");
            }
            if (policy.banks().isEmpty()) {
                tree.remove("banks");
            }
            tree.withArray("categories").forEach(c -> {
                if (c.path("calibration").isNull()) {
                    ((ObjectNode) c).remove("calibration");
                }
                if (c.path("bank").isNull()) {
                    ((ObjectNode) c).remove("bank");
                }
            });
            byte[] canonical = CANONICAL.writeValueAsBytes(tree);
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** sha256 of the content alone (version zeroed): tells whether a file changed since it was last applied. */
    public static String contentHash(Policy policy) {
        return hash(policy.withVersion(0));
    }

    /** The document with its top-level {@code version:} set to {@code version} (added when absent), the rest untouched. */
    public static String withVersion(String yaml, int version) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^version:[^\\n#]*").matcher(yaml);
        if (m.find()) {
            return yaml.substring(0, m.start()) + "version: " + version + yaml.substring(m.end());
        }
        java.util.regex.Matcher id = java.util.regex.Pattern.compile("(?m)^id:.*$").matcher(yaml);
        return id.find() ? yaml.substring(0, id.end()) + "\nversion: " + version + yaml.substring(id.end())
                : "version: " + version + "\n" + yaml;
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node != null) {
            node.forEach(n -> out.add(n.asText()));
        }
        return List.copyOf(out);
    }

    private static Policy.Action action(String text) {
        return Policy.Action.valueOf(text.toUpperCase(Locale.ROOT));
    }

    /** Policies need no anchors or aliases; refusing them rules out alias bombs whatever the parser does. */
    private static void refuseAliases(String yaml, String where) {
        try {
            for (Event event : new Yaml(loaderOptions()).parse(new StringReader(yaml))) {
                if (event instanceof AliasEvent || (event instanceof NodeEvent n && n.getAnchor() != null)) {
                    throw new ClipGuardException(ErrorCode.POLICY_INVALID, where + ": YAML anchors and aliases are not allowed in policies (line "
                            + (event.getStartMark().getLine() + 1) + ")");
                }
            }
        } catch (YAMLException e) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, where + ": not valid YAML: " + e.getMessage());
        }
    }

    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(20);
        options.setAllowDuplicateKeys(false);
        options.setCodePointLimit(MAX_BYTES);
        options.setNestingDepthLimit(20);
        return options;
    }

    private static JsonSchema loadSchema() {
        try (InputStream in = PolicyFiles.class.getClassLoader().getResourceAsStream("schemas/policy.schema.json")) {
            if (in == null) {
                throw new IllegalStateException("schemas/policy.schema.json missing from the classpath");
            }
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
