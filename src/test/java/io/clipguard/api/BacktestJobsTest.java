package io.clipguard.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.evaluation.ThresholdCurve;
import io.clipguard.policy.StoredBacktest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Backtest jobs: precision and recall drawn from judged rows whether or not the sweep ran; a user's share of the queue. */
class BacktestJobsTest {
    static StoredBacktest.Report report(Map<String, StoredBacktest.Sweep> sweeps, List<StoredBacktest.Labelled> labelled) {
        return new StoredBacktest.Report(3, 1, 2, 0, Map.of(), Map.of(), Map.of(), 1, sweeps, 60, sweeps.isEmpty() ? "over budget" : null,
                List.of("a", "b"), labelled);
    }

    @Test
    void curvesComeFromTheJudgedRowsEvenWithoutSweeps() {
        List<StoredBacktest.Labelled> labelled = List.of(
                new StoredBacktest.Labelled("x", new StoredBacktest.Label("b", 1), new double[] {0.1, 0.9}),
                new StoredBacktest.Labelled("y", new StoredBacktest.Label(null, 1), new double[] {0.8, 0.2}));
        Map<String, List<ThresholdCurve.Point>> curves = BacktestJobs.curves(report(Map.of(), labelled));
        assertThat(curves).containsOnlyKeys("a", "b");
        assertThat(curves.get("b").get(50).precision()).isEqualTo(1.0);
        assertThat(curves.get("a").get(50).precision()).as("the one image at 0.8 for a shows none of a").isEqualTo(0.0);
        assertThat(BacktestJobs.curves(report(Map.of(), List.of()))).isEmpty();
        assertThat(report(Map.of(), labelled).withoutLabelled().labelled()).isEmpty();
    }

    @Test
    void oneUserHoldsAtMostTwoPlacesOfTheFour() throws Exception {
        BacktestJobs jobs = new BacktestJobs();
        CountDownLatch release = new CountDownLatch(1);
        try {
            for (int i = 0; i < BacktestJobs.MAX_UNFINISHED_PER_USER; i++) {
                jobs.submit("p", 1, "ann", j -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return report(Map.of(), List.of());
                });
            }
            assertThatThrownBy(() -> jobs.submit("p", 1, "ann", j -> report(Map.of(), List.of())))
                    .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKTEST_BUSY));
            jobs.submit("p", 1, "bob", j -> report(Map.of(), List.of())); // another user still gets a place
        } finally {
            release.countDown();
            jobs.stop();
        }
    }
}
