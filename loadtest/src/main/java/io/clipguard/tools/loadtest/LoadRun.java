package io.clipguard.tools.loadtest;

import io.clipguard.bank.BankEntries;
import io.clipguard.bank.kafka.BankLog;
import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicCreator;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.pdq.PdqHash;
import io.clipguard.tools.synth.RandomVectors;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

/**
 * The load test: photo-like uploads at a fixed rate (or as a backlog) into a broker, a
 * {@code clipguard serve} child process moderating them, and a read_committed consumer
 * measuring what comes out. Topics and the application id are the run's own (prefixed), so a
 * run against a shared broker touches nothing else. Optionally first measures the model bare
 * (its image tower at batch 8 in this process, before the service starts) for the ratio
 * "service throughput / model throughput".
 */
public final class LoadRun {
    /**
     * @param bootstrapServers an external broker, or null for an embedded one
     * @param settings         extra settings for the service (property names, e.g. {@code clipguard.batching.max-batch})
     * @param baseline         the model to measure bare first (null: skip)
     * @param bankHashes       random PDQ hashes written to bank {@code known-bad} before the service starts (0: none); the
     *                         policy must declare the bank for them to be looked up
     * @param bankExemplars    random exemplars written to bank {@code look-alikes} before the service starts (null: none)
     */
    public record Plan(int events, double perSecond, String mix, int partitions, String bootstrapServers, Map<String, String> settings,
                       Path dir, String javaOptions, int warmup, Duration timeout, Baseline baseline, int bankHashes, Exemplars bankExemplars) {
    }

    /** Random unit vectors as exemplars of the model the service loads ({@code modelDigest}, {@code dimension} values each). */
    public record Exemplars(int count, String modelDigest, int dimension) {
    }

    /** The model the service loads, measured bare. */
    public record Baseline(Path modelDir, EngineOptions options, int batch, Duration duration) {
    }

    private LoadRun() {
    }

    public static LoadReport run(Plan plan, PrintWriter out) throws InterruptedException {
        Double bare = plan.baseline() == null ? null : bare(plan.baseline(), out);
        String run = "loadtest-" + Long.toString(System.currentTimeMillis(), 36);
        Map<String, String> topicSettings = new HashMap<>();
        for (String role : List.of("uploaded", "decisions", "audit", "embeddings", "dead-letters", "policies", "policy-changes", "shadow",
                "verdicts", "review-leases", "dlq-replays", "banks")) {
            topicSettings.put("clipguard.topics." + role, run + "." + role);
        }
        topicSettings.put("clipguard.topics.partitions", String.valueOf(plan.partitions()));
        TopicRegistry topics = TopicRegistry.from(Settings.load(topicSettings).app().topics());
        EmbeddedKafka embedded = plan.bootstrapServers() == null ? EmbeddedKafka.start() : null;
        String bootstrap = embedded != null ? embedded.bootstrapServers() : plan.bootstrapServers();
        try {
            KafkaClients clients = KafkaClients.of(bootstrap);
            TopicCreator.ensure(clients, topics.all());
            Map<String, String> env = new LinkedHashMap<>();
            System.getenv().forEach((k, v) -> {
                if (k.startsWith("KAFKA_")) {
                    env.put(k, v);
                }
            });
            env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
            env.put("CLIPGUARD_STREAM_APPLICATION_ID", run);
            env.put("CLIPGUARD_STREAM_INSTANCE_ID", run);
            env.put("CLIPGUARD_STREAM_STATE_DIR", plan.dir().resolve("state").toString());
            topicSettings.forEach((k, v) -> env.put(envName(k), v));
            plan.settings().forEach((k, v) -> env.put(envName(k), v));
            out.printf("load test %s: %d uploads, %s, mix %s, %d partitions, broker %s%n", run, plan.events(),
                    plan.perSecond() > 0 ? plan.perSecond() + "/s" : "as a backlog", plan.mix(), plan.partitions(),
                    embedded != null ? "embedded" : bootstrap);
            if (plan.bankHashes() > 0) {
                fillBank(clients, topics, plan.bankHashes(), out);
            }
            if (plan.bankExemplars() != null && plan.bankExemplars().count() > 0) {
                fillExemplars(clients, topics, plan.bankExemplars(), out);
            }
            PhotoMix uploads = new PhotoMix(plan.mix(), 42, run);
            try (ServeProcess serve = ServeProcess.start(plan.dir(), "serve", env, plan.javaOptions())) {
                if (!serve.awaitReady(Duration.ofMinutes(5))) {
                    throw new ClipGuardException(ErrorCode.LOADTEST_FAILED, "the service did not become ready; see " + serve.log());
                }
                warmUp(clients, topics, uploads, plan.warmup(), out);
                return measure(plan, clients, topics, uploads, serve, bare, run, out);
            }
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    /** Random PDQ hashes in bank {@code known-bad}: the cost of looking every upload up in a bank of that size. */
    private static void fillBank(KafkaClients clients, TopicRegistry topics, int hashes, PrintWriter out) {
        long t0 = System.nanoTime();
        Random random = new Random(7);
        Instant now = Instant.now();
        try (BankLog.Writer writer = BankLog.writer(clients, topics)) {
            writer.writeAll(IntStream.range(0, hashes).mapToObj(i -> {
                PdqHash h = new PdqHash(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong());
                return BankEntries.pdq("known-bad", h.toString(), h, null, "loadtest", "loadtest", now, null, null, null);
            }).iterator());
        }
        out.printf("bank known-bad: %,d random hashes written in %.1f s%n", hashes, (System.nanoTime() - t0) / 1e9);
    }

    /** Random exemplars in bank {@code look-alikes}: the cost of searching every inference batch against a bank of that size. */
    private static void fillExemplars(KafkaClients clients, TopicRegistry topics, Exemplars exemplars, PrintWriter out) {
        long t0 = System.nanoTime();
        Random random = new Random(11);
        Instant now = Instant.now();
        try (BankLog.Writer writer = BankLog.writer(clients, topics)) {
            writer.writeAll(IntStream.range(0, exemplars.count()).mapToObj(i -> {
                return BankEntries.embedding("look-alikes", "x" + i, RandomVectors.unit(exemplars.dimension(), random), exemplars.modelDigest(), "loadtest", "loadtest", now, null, null);
            }).iterator());
        }
        out.printf("bank look-alikes: %,d random exemplars of %d dimensions written in %.1f s%n", exemplars.count(), exemplars.dimension(),
                (System.nanoTime() - t0) / 1e9);
    }

    private static void warmUp(KafkaClients clients, TopicRegistry topics, PhotoMix uploads, int events, PrintWriter out)
            throws InterruptedException {
        if (events <= 0) {
            return;
        }
        Map<String, Long> sent = new ConcurrentHashMap<>();
        try (UploadProducer producer = new UploadProducer(clients, topics.uploaded().name(), uploads);
             OutputTracker tracker = new OutputTracker(clients, topics, sent)) {
            producer.send(events, 0, () -> false);
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (tracker.outputs() < events && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            out.printf("warm-up: %d uploads answered%n", tracker.outputs());
        }
    }

    private static LoadReport measure(Plan plan, KafkaClients clients, TopicRegistry topics, PhotoMix uploads, ServeProcess serve,
                                      Double bare, String run, PrintWriter out) throws InterruptedException {
        try (UploadProducer producer = new UploadProducer(clients, topics.uploaded().name(), uploads);
             OutputTracker tracker = new OutputTracker(clients, topics, producer.sentAtNanos(), true)) {
            Map<String, Double> metrics0 = serve.metrics();
            double cpu0 = serve.cpuSeconds();
            Map<String, Double> threads0 = serve.cpuSecondsByThread();
            long t0 = System.nanoTime();
            AtomicBoolean stop = new AtomicBoolean();
            Thread sender = new Thread(() -> {
                try {
                    producer.send(plan.events(), plan.perSecond(), stop::get);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "loadtest-producer");
            sender.setDaemon(true);
            sender.start();
            long deadline = t0 + plan.timeout().toNanos();
            long lastPrint = t0;
            List<Double> rss = new ArrayList<>();
            while (tracker.outputs() < plan.events() && System.nanoTime() < deadline) {
                Thread.sleep(100);
                if (System.nanoTime() - lastPrint > 5_000_000_000L) {
                    lastPrint = System.nanoTime();
                    rss.add(serve.residentBytes() / 1048576.0);
                    out.printf("  %5.0f s: sent %d, answered %d, p99 so far %d ms%n", (lastPrint - t0) / 1e9, producer.sent(),
                            tracker.outputs(), tracker.latencies().percentile(99));
                    out.flush();
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpu = serve.cpuSeconds() - cpu0;
            Map<String, Double> metrics1 = serve.metrics();
            printThreads(threads0, serve.cpuSecondsByThread(), tracker.outputs(), out);
            stop.set(true);
            sender.join(30_000);
            Thread.sleep(1000); // a late duplicate would show up now
            OutputTracker.ExactlyOnce verdict = tracker.check(producer.sentAtNanos().keySet());
            Latencies l = tracker.latencies();
            Latencies b = tracker.batchSizes();
            List<Timeline.Second> timeline = tracker.timeline().seconds();
            double throughput = steadyThroughput(timeline, tracker.outputs(), seconds);
            LoadReport report = new LoadReport(run, plan.events(), plan.perSecond(), plan.mix(), uploads.meanBytes(), plan.partitions(),
                    plan.settings(), producer.sent(), tracker.decisions(), tracker.deadLetters(), verdict.missing().size(),
                    verdict.duplicated().size(), seconds, throughput, l.percentile(50), l.percentile(95), l.percentile(99), l.percentile(100),
                    b.mean(), b.percentile(50), b.percentile(90), cpu < 0 ? null : cpu * 1000 / Math.max(1, tracker.outputs()),
                    rss.isEmpty() ? null : rss.stream().mapToDouble(Double::doubleValue).max().orElse(0), bare,
                    bare == null ? null : throughput / bare, tracker.decodeMicros().percentile(50) / 1000.0,
                    tracker.embedMicros().percentile(50) / 1000.0, timeline, delta(metrics0, metrics1, "clipguard_stream_rebalances_total"),
                    delta(metrics0, metrics1, "clipguard_uploads_redone_total"), delta(metrics0, metrics1, "clipguard_attempts_called_off_total"),
                    tracker.maxGapMs());
            report.print(out);
            if (!verdict.holds()) {
                throw new ClipGuardException(ErrorCode.LOADTEST_FAILED, verdict + " (logs in " + plan.dir() + ")");
            }
            // Under a steady backlog nothing is ever taken back and done again.
            if (plan.perSecond() <= 0 && (report.rebalances() > 0 || report.redone() > 0)) {
                throw new ClipGuardException(ErrorCode.LOADTEST_FAILED, report.rebalances() + " rebalances and " + report.redone()
                        + " uploads redone under a steady backlog (logs in " + plan.dir() + ")");
            }
            return report;
        }
    }

    /** How much a counter of the service rose during the measurement. */
    private static long delta(Map<String, Double> before, Map<String, Double> after, String name) {
        return Math.round(after.getOrDefault(name, 0.0) - before.getOrDefault(name, 0.0));
    }

    /** The service's CPU per record by thread over the measurement, busiest first. */
    private static void printThreads(Map<String, Double> before, Map<String, Double> after, long records, PrintWriter out) {
        List<Map.Entry<String, Double>> used = new ArrayList<>();
        after.forEach((name, s) -> used.add(Map.entry(name, s - before.getOrDefault(name, 0.0))));
        used.sort((a, b) -> Double.compare(b.getValue(), a.getValue()));
        out.println("service CPU per record by thread (ms):");
        for (Map.Entry<String, Double> e : used.subList(0, Math.min(12, used.size()))) {
            if (e.getValue() > 0) {
                out.printf("  %-24s %7.2f%n", e.getKey(), e.getValue() * 1000 / Math.max(1, records));
            }
        }
    }

    /**
     * Outputs per second over the run's middle (from the first to the last full second with
     * outputs), so that start-up and the tail do not count; the whole run when it was short.
     */
    static double steadyThroughput(List<Timeline.Second> timeline, long outputs, double seconds) {
        List<Timeline.Second> busy = timeline.stream().filter(s -> s.outputs() > 0).toList();
        if (busy.size() < 5) {
            return outputs / seconds;
        }
        long sum = 0;
        for (int i = 1; i < busy.size() - 1; i++) {
            sum += busy.get(i).outputs();
        }
        int span = busy.get(busy.size() - 2).second() - busy.get(1).second() + 1;
        return sum / (double) span;
    }

    /** The model's image tower alone at {@code batch}: images per second over {@code duration} after a warm-up. */
    static double bare(Baseline b, PrintWriter out) {
        try (ClipEngine engine = ClipEngine.open(b.modelDir(), b.options())) {
            List<float[]> batch = new ArrayList<>();
            SplittableRandom r = new SplittableRandom(1);
            for (int i = 0; i < b.batch(); i++) {
                float[] t = new float[engine.preprocess().tensorSize()];
                for (int j = 0; j < t.length; j++) {
                    t[j] = (float) r.nextGaussian();
                }
                batch.add(t);
            }
            for (int i = 0; i < 3; i++) {
                engine.embedImages(batch);
            }
            long t0 = System.nanoTime();
            long images = 0;
            while (System.nanoTime() - t0 < b.duration().toNanos()) {
                engine.embedImages(batch);
                images += batch.size();
            }
            double rate = images / ((System.nanoTime() - t0) / 1e9);
            out.printf("model alone (%s, batch %d, %s): %.1f images/s%n", engine.identity().id(), b.batch(), engine.provider(), rate);
            return rate;
        }
    }

    /** {@code clipguard.batching.max-batch} -> {@code CLIPGUARD_BATCHING_MAX_BATCH}. */
    static String envName(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
