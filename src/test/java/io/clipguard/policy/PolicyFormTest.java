package io.clipguard.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The studio's two views: YAML to form data and back, with problems under their field paths. */
class PolicyFormTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shippedPoliciesSurviveTheFormUnchanged() throws Exception {
        for (String file : new String[] {"policies/demo-shapes.yaml", "policies/clip-default.yaml"}) {
            String yaml = Files.readString(Path.of(file));
            PolicyForm.Views read = PolicyForm.fromYaml(yaml, null);
            assertThat(read.errors()).as(file).isEmpty();
            PolicyForm.Views written = PolicyForm.fromDocument(read.document(), null);
            assertThat(written.errors()).isEmpty();
            assertThat(PolicyFiles.hash(PolicyFiles.parse(written.yaml(), "written")))
                    .as("%s written back from the form:%n%s", file, written.yaml()).isEqualTo(PolicyFiles.hash(PolicyFiles.parse(yaml, file)));
            assertThat(written.document()).isEqualTo(read.document());
        }
    }

    @Test
    void aFormEditBecomesYamlAndItsProblemsNameTheirFields() throws Exception {
        ObjectNode doc = (ObjectNode) PolicyForm.fromYaml(Files.readString(Path.of("policies/demo-shapes.yaml")), null).document();
        ObjectNode category = doc.withArray("categories").addObject();
        category.put("id", "blue-square").put("name", "Blue squares").put("action", "block").put("threshold", 1.5);
        category.putArray("prompts").add("blue square").add("1234").add("yes");
        PolicyForm.Views views = PolicyForm.fromDocument(doc, "demo-shapes");
        assertThat(views.yaml()).contains("- id: blue-square").contains("threshold: 1.5").contains("\"1234\"");
        assertThat(views.errors()).anySatisfy(e -> assertThat(e).startsWith("$.categories[2].threshold:"));
        assertThat(views.document().at("/categories/2/prompts/1").isTextual()).as("a prompt that looks like a number stays text").isTrue();
        assertThat(views.document().at("/categories/2/prompts/2").asText()).isEqualTo("yes");

        category.put("threshold", 0.7);
        PolicyForm.Views fixed = PolicyForm.fromDocument(doc, "demo-shapes");
        assertThat(fixed.errors()).isEmpty();
        assertThat(PolicyFiles.parse(fixed.yaml(), "fixed").categories().get(2).prompts()).containsExactly("blue square", "1234", "yes");
        assertThat(PolicyForm.fromDocument(doc, "another-id").errors()).singleElement().asString().startsWith("$.id:");
    }

    @Test
    void whatIsNotAPolicyDocumentIsRefused() {
        assertThatThrownBy(() -> PolicyForm.fromDocument(JSON.createArrayNode(), null))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.POLICY_INVALID));
        assertThatThrownBy(() -> PolicyForm.fromYaml("a: [unclosed", null))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.POLICY_INVALID));
        assertThatThrownBy(() -> PolicyForm.fromYaml("base: &a {x: 1}\nother: *a\n", null))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.getMessage()).contains("anchors"));
        ObjectNode deep = JSON.createObjectNode();
        ObjectNode at = deep;
        for (int i = 0; i < 1000; i++) {
            at = at.putObject("x");
        }
        assertThatThrownBy(() -> PolicyForm.fromDocument(deep, null))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.getMessage()).contains("nested deeper"));
        ObjectNode huge = JSON.createObjectNode();
        huge.put("id", "x".repeat(PolicyFiles.MAX_BYTES + 1));
        assertThatThrownBy(() -> PolicyForm.fromDocument(huge, null))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.getMessage()).contains("larger than"));
        assertThat(PolicyForm.fromYaml("id: only-an-id\n", null).errors()).isNotEmpty().allSatisfy(e -> assertThat(e).startsWith("$"));
    }
}
