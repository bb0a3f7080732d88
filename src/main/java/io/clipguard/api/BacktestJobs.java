package io.clipguard.api;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.policy.StoredBacktest;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Backtests run in the background, one at a time per instance (they read a topic and
 * keep the CPU busy), and report progress while they run: the records read from
 * {@code moderation.embeddings}, then the rows scored. At most {@value #MAX_UNFINISHED} wait or
 * run at once (more are refused with {@code BACKTEST_BUSY}, 429), so requests cannot pile up
 * work or memory; the last 20 jobs are kept.
 */
@ApplicationScoped
public class BacktestJobs {
    private static final int KEEP = 20;
    static final int MAX_UNFINISHED = 4;

    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "clipguard-backtest");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Job> jobs = new LinkedHashMap<>();

    /** One backtest: its phase, counters and, when done, the report or the error. */
    public static final class Job {
        final String id = UUID.randomUUID().toString();
        final String policyId;
        final int version;
        final String requestedBy;
        final Instant submittedAt = Instant.now();
        final AtomicLong read = new AtomicLong();
        final AtomicLong scored = new AtomicLong();
        volatile String state = "QUEUED";
        volatile StoredBacktest.Report report;
        volatile String error;

        boolean finished() {
            return state.equals("DONE") || state.equals("FAILED");
        }

        Job(String policyId, int version, String requestedBy) {
            this.policyId = policyId;
            this.version = version;
            this.requestedBy = requestedBy;
        }

        public void readProgress(long n) {
            state = "READING";
            read.set(n);
        }

        public void scoreProgress(long n) {
            state = "SCORING";
            scored.set(n);
        }

        PolicyViews.BacktestJob view() {
            return new PolicyViews.BacktestJob(id, policyId, version, requestedBy, submittedAt, state, read.get(), scored.get(), report, error);
        }
    }

    public synchronized Job submit(String policyId, int version, String requestedBy, Function<Job, StoredBacktest.Report> work) {
        long unfinished = jobs.values().stream().filter(j -> !j.finished()).count();
        if (unfinished >= MAX_UNFINISHED) {
            throw new ClipGuardException(ErrorCode.BACKTEST_BUSY, unfinished + " backtests wait or run on this instance; try again when one "
                    + "has finished");
        }
        Job job = new Job(policyId, version, requestedBy);
        jobs.put(job.id, job);
        jobs.values().removeIf(j -> jobs.size() > KEEP && j.finished());
        executor.submit(() -> {
            try {
                job.report = work.apply(job);
                job.state = "DONE";
            } catch (RuntimeException | Error e) {
                // An Error (out of memory) fails the job too, or it would hold its place in the bound for ever.
                job.error = String.valueOf(e.getMessage());
                job.state = "FAILED";
            }
        });
        return job;
    }

    public synchronized Optional<PolicyViews.BacktestJob> view(String id) {
        return Optional.ofNullable(jobs.get(id)).map(Job::view);
    }

    @PreDestroy
    void stop() {
        executor.shutdownNow();
    }
}
