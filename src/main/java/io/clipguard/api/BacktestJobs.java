package io.clipguard.api;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.evaluation.ThresholdCurve;
import io.clipguard.policy.StoredBacktest;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
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
 * run at once, {@value #MAX_UNFINISHED_PER_USER} of them one user's (more are refused with
 * {@code BACKTEST_BUSY}, 429), so requests cannot pile up work or memory, nor one user take every
 * place; the last 20 jobs are kept.
 */
@ApplicationScoped
public class BacktestJobs {
    private static final int KEEP = 20;
    static final int MAX_UNFINISHED = 4;
    /** One user's share of {@link #MAX_UNFINISHED}: the studio's own (on opening a version, and on saving) and no more. */
    static final int MAX_UNFINISHED_PER_USER = 2;

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
        /** For a draft's text: its content hash, so that a saved draft can carry exactly this backtest. */
        final String contentHash;
        final Instant submittedAt = Instant.now();
        final AtomicLong read = new AtomicLong();
        final AtomicLong scored = new AtomicLong();
        volatile String state = "QUEUED";
        volatile StoredBacktest.Report report;
        volatile Map<String, List<ThresholdCurve.Point>> curves;
        volatile String error;

        boolean finished() {
            return state.equals("DONE") || state.equals("FAILED");
        }

        Job(String policyId, int version, String requestedBy, String contentHash) {
            this.policyId = policyId;
            this.version = version;
            this.requestedBy = requestedBy;
            this.contentHash = contentHash;
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
            return new PolicyViews.BacktestJob(id, policyId, version, requestedBy, submittedAt, state, read.get(), scored.get(), report, curves,
                    error);
        }
    }

    public Job submit(String policyId, int version, String requestedBy, Function<Job, StoredBacktest.Report> work) {
        return submit(policyId, version, requestedBy, null, work);
    }

    /** A backtest of a draft's text whose content hash is {@code contentHash}. */
    public synchronized Job submit(String policyId, int version, String requestedBy, String contentHash,
                                   Function<Job, StoredBacktest.Report> work) {
        long unfinished = jobs.values().stream().filter(j -> !j.finished()).count();
        long mine = jobs.values().stream().filter(j -> !j.finished() && j.requestedBy.equals(requestedBy)).count();
        if (mine >= MAX_UNFINISHED_PER_USER) {
            throw new ClipGuardException(ErrorCode.BACKTEST_BUSY, requestedBy + " has " + mine + " backtests waiting or running on this instance; "
                    + "try again when one has finished");
        }
        if (unfinished >= MAX_UNFINISHED) {
            throw new ClipGuardException(ErrorCode.BACKTEST_BUSY, unfinished + " backtests wait or run on this instance; try again when one "
                    + "has finished");
        }
        Job job = new Job(policyId, version, requestedBy, contentHash);
        jobs.put(job.id, job);
        jobs.values().removeIf(j -> jobs.size() > KEEP && j.finished());
        executor.submit(() -> {
            try {
                StoredBacktest.Report report = work.apply(job);
                job.curves = curves(report);
                job.report = report.withoutLabelled(); // kept jobs do not hold the judged rows
                job.state = "DONE";
            } catch (RuntimeException | Error e) {
                // An Error (out of memory) fails the job too, or it would hold its place in the bound for ever.
                job.error = String.valueOf(e.getMessage());
                job.state = "FAILED";
            }
        });
        return job;
    }

    /**
     * Each of the draft's categories' precision and recall at every threshold step, from the
     * verdicts on the rows scored (empty when none of them was reviewed).
     */
    static Map<String, List<ThresholdCurve.Point>> curves(StoredBacktest.Report report) {
        Map<String, List<ThresholdCurve.Point>> out = new LinkedHashMap<>();
        List<StoredBacktest.Labelled> labelled = report.labelled();
        if (labelled.isEmpty()) {
            return out;
        }
        int c = 0;
        for (String category : report.categories()) {
            double[] p = new double[labelled.size()];
            boolean[] positive = new boolean[labelled.size()];
            double[] inclusion = new double[labelled.size()];
            for (int i = 0; i < p.length; i++) {
                StoredBacktest.Labelled l = labelled.get(i);
                p[i] = l.probabilities()[c];
                positive[i] = category.equals(l.label().category());
                inclusion[i] = l.label().inclusionProbability();
            }
            out.put(category, ThresholdCurve.of(p, positive, inclusion, StoredBacktest.STEPS));
            c++;
        }
        return out;
    }

    /**
     * The report of a finished backtest of a draft's text, for a draft about to be saved: only
     * when the job ran for this policy, by this user, on a document of this content hash.
     */
    public synchronized Optional<StoredBacktest.Report> finishedFor(String id, String policyId, String user, String contentHash) {
        Job job = jobs.get(id);
        if (job == null || !job.state.equals("DONE") || !job.policyId.equals(policyId) || !job.requestedBy.equals(user)
                || !contentHash.equals(job.contentHash)) {
            return Optional.empty();
        }
        return Optional.of(job.report);
    }

    public synchronized Optional<PolicyViews.BacktestJob> view(String id) {
        return Optional.ofNullable(jobs.get(id)).map(Job::view);
    }

    @PreDestroy
    void stop() {
        executor.shutdownNow();
    }
}
