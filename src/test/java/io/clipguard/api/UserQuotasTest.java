package io.clipguard.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import org.junit.jupiter.api.Test;

/** Draft tries are admitted two at a time per instance; a closed slot (even closed twice) admits exactly one more. */
class UserQuotasTest {
    @Test
    void triesRunTwoAtATime() {
        UserQuotas quotas = new UserQuotas();
        UserQuotas.Held first = quotas.trial("erin");
        UserQuotas.Held second = quotas.trial("ed");
        assertThatThrownBy(() -> quotas.trial("erin")).isInstanceOf(ClipGuardException.class)
                .satisfies(e -> assertThat(((ClipGuardException) e).code()).isEqualTo(ErrorCode.RATE_LIMITED));
        first.close();
        first.close();
        UserQuotas.Held third = quotas.trial("erin");
        assertThatThrownBy(() -> quotas.trial("kim")).isInstanceOf(ClipGuardException.class);
        second.close();
        third.close();
    }
}
