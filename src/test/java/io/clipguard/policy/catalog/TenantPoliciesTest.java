package io.clipguard.policy.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.testing.DemoPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tenants setting and where a mapped policy is read from. */
class TenantPoliciesTest {
    @TempDir
    Path dir;

    @Test
    void theSettingIsTenantEqualsPolicyPairs() {
        assertThat(TenantPolicies.parse(" kids=kids-policy , market=market.policy_2")).containsExactly(
                java.util.Map.entry("kids", "kids-policy"), java.util.Map.entry("market", "market.policy_2"));
        assertThat(TenantPolicies.parse("")).isEmpty();
        assertThat(TenantPolicies.parse(null)).isEmpty();
        for (String bad : new String[] {"kids", "kids=", "=p", "kids=a=b", "kids=a b", "kids=a,kids=b", "kids=" + "x".repeat(65)}) {
            assertThatThrownBy(() -> TenantPolicies.parse(bad)).as(bad).isInstanceOf(ClipGuardException.class)
                    .satisfies(e -> assertThat(((ClipGuardException) e).code()).isEqualTo(ErrorCode.CONFIG_INVALID));
        }
    }

    @Test
    void aMappedPolicyIsTheFileInThePoliciesDirectoryThatDefinesIt() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), DemoPolicy.yaml());
        Files.writeString(dir.resolve("b.yml"), DemoPolicy.yaml().replace("id: demo-shapes", "id: kids-shapes"));
        Files.writeString(dir.resolve("notes.txt"), "not a policy");
        assertThat(TenantPolicies.inDir(dir, "kids-shapes").id()).isEqualTo("kids-shapes");
        assertThatThrownBy(() -> TenantPolicies.inDir(dir, "market")).isInstanceOf(ClipGuardException.class)
                .hasMessageContaining("market").satisfies(e -> assertThat(((ClipGuardException) e).code()).isEqualTo(ErrorCode.CONFIG_INVALID));
    }
}
