package io.clipguard.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Roles scoped to a policy: known, expanded to the plain role for the endpoint check, and narrowed to their policies. */
class RolesTest {
    @Test
    void scopedRolesAreEditorOrPublisherOfAPolicyId() {
        assertThat(Roles.known("editor@market-policy")).isTrue();
        assertThat(Roles.known("publisher@kids.v2_x")).isTrue();
        assertThat(Roles.known("viewer@kids")).isFalse();
        assertThat(Roles.known("editor@")).isFalse();
        assertThat(Roles.known("editor@a b")).isFalse();
        assertThat(Roles.known("editor")).isTrue();
        assertThat(Roles.known("admin")).isFalse();
    }

    @Test
    void aScopedRoleActsOnItsPoliciesOnly() {
        Set<String> market = Roles.expand(Set.of("viewer", "editor@market-policy", "publisher@market-policy"));
        assertThat(market).contains("editor", "publisher", "editor@market-policy");
        assertThat(Roles.mayAct(market, Roles.PUBLISHER, "market-policy")).isTrue();
        assertThat(Roles.mayAct(market, Roles.PUBLISHER, "kids-policy")).isFalse();
        assertThat(Roles.mayAct(market, Roles.EDITOR, "kids-policy")).isFalse();

        Set<String> everywhere = Roles.expand(Set.of("editor", "publisher"));
        assertThat(Roles.mayAct(everywhere, Roles.PUBLISHER, "kids-policy")).isTrue();
        // Scoping narrows: the plain role with a scoped one covers the scoped policies only.
        Set<String> narrowed = Roles.expand(Set.of("editor", "editor@kids-policy"));
        assertThat(Roles.mayAct(narrowed, Roles.EDITOR, "kids-policy")).isTrue();
        assertThat(Roles.mayAct(narrowed, Roles.EDITOR, "market-policy")).isFalse();
        assertThat(Roles.mayAct(Roles.expand(Set.of("viewer")), Roles.EDITOR, "kids-policy")).isFalse();
    }
}
