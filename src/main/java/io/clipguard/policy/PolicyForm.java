package io.clipguard.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The two views the policy studio keeps in step: the YAML power users edit and the form staff
 * edit, which works on the document as plain data (a JSON tree). YAML becomes the tree with the
 * parser limits of {@link PolicyFiles}; the tree becomes YAML in the layout the shipped policies
 * use (block style, quotes only where a value would otherwise read as another type). Either way
 * the result is checked as a policy, and every problem comes back with the field path it
 * belongs to ({@code $.categories[0].threshold: ...}), so the form can show it on its field.
 * Comments do not survive a form edit: the tree has none.
 */
public final class PolicyForm {
    private static final ObjectMapper YAML_OUT = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build());

    /**
     * Both views of one document and what is wrong with it.
     *
     * @param errors each "path: message"; empty when the document is a valid policy for this id
     */
    public record Views(String yaml, JsonNode document, List<String> errors) {
    }

    private PolicyForm() {
    }

    /** From the YAML: its tree, and its problems. A text that is not YAML (or too large) is POLICY_INVALID. */
    public static Views fromYaml(String yaml, String policyId) {
        return new Views(yaml, PolicyFiles.tree(yaml, "policy"), problems(yaml, policyId));
    }

    /**
     * The deepest nesting a policy has (document, category list, category, its prompt list, a
     * prompt; a calibration's points go two deeper), with room to spare. Checked before the tree is
     * written, since block-style YAML indents each level (a deep enough tree of a few kilobytes
     * would become megabytes of YAML).
     */
    static final int MAX_DEPTH = 8;

    /** From the form's tree: its YAML, and its problems. A tree that is not a mapping, too deep or too large is POLICY_INVALID. */
    public static Views fromDocument(JsonNode document, String policyId) {
        if (document == null || !document.isObject()) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, "policy: expected a mapping at the top level");
        }
        if (depth(document) > MAX_DEPTH) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, "policy: nested deeper than " + MAX_DEPTH + " levels");
        }
        if (document.toString().length() > PolicyFiles.MAX_BYTES) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, "policy: larger than " + PolicyFiles.MAX_BYTES + " bytes");
        }
        String yaml;
        try {
            yaml = YAML_OUT.writeValueAsString(document);
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, "policy: cannot be written as YAML: " + e.getMessage());
        }
        // Read back, so the tree the form gets is exactly what the YAML says (and within the same limits).
        return new Views(yaml, PolicyFiles.tree(yaml, "policy"), problems(yaml, policyId));
    }

    /** Nesting depth, counted without recursion (a hostile tree cannot overflow the stack). */
    static int depth(JsonNode root) {
        java.util.ArrayDeque<JsonNode> level = new java.util.ArrayDeque<>(List.of(root));
        int depth = 0;
        while (!level.isEmpty() && depth <= MAX_DEPTH + 1) {
            depth++;
            java.util.ArrayDeque<JsonNode> next = new java.util.ArrayDeque<>();
            for (JsonNode n : level) {
                n.forEach(child -> {
                    if (child.isContainerNode()) {
                        next.add(child);
                    }
                });
            }
            level = next;
        }
        return depth;
    }

    private static List<String> problems(String yaml, String policyId) {
        try {
            PolicyFiles.parseVersion(policyId, yaml, 1);
            return List.of();
        } catch (ClipGuardException e) {
            if (e.code() != ErrorCode.POLICY_INVALID) {
                throw e;
            }
            return e.errors().isEmpty() ? List.of("$: " + e.getMessage().replaceFirst("^policy: ", "")) : new ArrayList<>(e.errors());
        }
    }
}
