package io.clipguard.tools.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI-sized fault drill ({@code loadtest/faults.sh} runs the full one): 1,000 uploads, one
 * in twelve broken, while {@code ./clipguard serve} is killed with SIGKILL three times (once
 * while it recovers from the previous kill) and the broker restarts once. A read_committed
 * consumer must see exactly one decision or dead letter per upload.
 */
class FaultDrillIT {
    /** Enough for every fault to land mid-stream (at 20 %, 45 % and 70 % of the outputs), small enough for CI's 20 minutes. */
    static final int UPLOADS = 1000;

    @TempDir
    Path dir;

    @Test
    void threeKillsAndABrokerRestartLoseAndDuplicateNothing() throws Exception {
        FaultDrill.Result r = FaultDrill.run(FaultDrill.Plan.standard(UPLOADS, dir), new PrintWriter(System.out, true));

        assertThat(r.verdict().missing()).as("uploads without an output").isEmpty();
        assertThat(r.verdict().duplicated()).as("uploads with more than one output").isEmpty();
        assertThat(r.decisions() + r.deadLetters()).isEqualTo(UPLOADS);
        assertThat(r.deadLetters()).as("the broken uploads went through the faults too").isEqualTo(UPLOADS / 12);
        assertThat(r.faults()).extracting(FaultDrill.Fault::what).containsExactlyInAnyOrder("SIGKILL serve", "SIGKILL serve while it recovers",
                "SIGKILL serve", "broker restart");
        // Each fault was survived mid-stream: outputs had started and had not finished.
        assertThat(r.faults()).allSatisfy(f -> assertThat(f.outputsBefore()).isBetween(1L, UPLOADS - 1L));
    }
}
