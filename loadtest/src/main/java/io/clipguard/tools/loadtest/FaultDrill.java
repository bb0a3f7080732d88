package io.clipguard.tools.loadtest;

import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicCreator;
import io.clipguard.kafka.TopicRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Crash and broker faults at scale: uploads stream into a broker while {@code clipguard serve}
 * is killed with SIGKILL three times (mid-stream, again as soon as its replacement shows its
 * first outputs, while it is still finishing the uploads that were in flight, and late in the
 * run) and the broker itself is restarted once; then a
 * read_committed consumer checks that every upload has exactly one decision or one dead
 * letter. About one upload in twelve is broken on purpose, so dead letters go through the
 * same faults.
 *
 * <p>The broker is embedded in this process (it is the outside world of the service under
 * test, and the drill must be able to restart it); the service runs as a child process from
 * this checkout, configured by its environment.
 */
public final class FaultDrill {
    /**
     * @param events        uploads to send
     * @param perSecond     send rate (0: all at once, a backlog)
     * @param killAt        fractions of outputs at which serve is killed mid-stream
     * @param brokerRestartAt fraction of outputs at which the broker is restarted
     * @param killWhileRecovering also kill the first replacement as soon as its first output appears
     */
    public record Plan(int events, double perSecond, List<Double> killAt, double brokerRestartAt, boolean killWhileRecovering,
                       Duration timeout, Path dir, String javaOptions) {
        public static Plan standard(int events, Path dir) {
            return new Plan(events, 0, List.of(0.2, 0.7), 0.45, true, Duration.ofMinutes(20), dir, "-Xmx1g -XX:MaxDirectMemorySize=2g");
        }
    }

    /** One fault, when it happened (seconds into the run, outputs seen) and how long the service or broker was away. */
    public record Fault(String what, double atSeconds, long outputsBefore, double downSeconds) {
    }

    public record Result(int events, long sent, long decisions, long deadLetters, OutputTracker.ExactlyOnce verdict, List<Fault> faults,
                         double seconds, long p50Millis, long p99Millis) {
    }

    private FaultDrill() {
    }

    public static Result run(Plan plan, PrintWriter out) throws InterruptedException {
        long t0 = System.nanoTime();
        List<Fault> faults = new ArrayList<>();
        TopicRegistry topics = TopicRegistry.from(Settings.load(Map.of()).app().topics());
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            KafkaClients clients = KafkaClients.of(kafka.bootstrapServers());
            TopicCreator.ensure(clients, topics.all());
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(), "CLIPGUARD_STREAM_INSTANCE_ID", "drill",
                    "CLIPGUARD_STREAM_STATE_DIR", plan.dir().resolve("state").toString());
            int generation = 1;
            ServeProcess serve = ServeProcess.start(plan.dir(), "serve-" + generation, env, plan.javaOptions());
            out.printf("fault drill: %d uploads, broker %s, serve pid %d (log %s)%n", plan.events(), kafka.bootstrapServers(), serve.pid(),
                    serve.log());
            AtomicBoolean stop = new AtomicBoolean();
            try (UploadProducer producer = new UploadProducer(clients, topics.uploaded().name(), new UploadPool(7, "drill", 200, true));
                 OutputTracker tracker = new OutputTracker(clients, topics, producer.sentAtNanos())) {
                Thread sender = new Thread(() -> {
                    try {
                        producer.send(plan.events(), plan.perSecond(), stop::get);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "drill-producer");
                sender.setDaemon(true);
                sender.start();
                List<Double> kills = new ArrayList<>(plan.killAt());
                boolean brokerRestarted = false;
                long deadline = t0 + plan.timeout().toNanos();
                while (tracker.outputs() < plan.events() && System.nanoTime() < deadline) {
                    double done = tracker.outputs() / (double) plan.events();
                    if (!kills.isEmpty() && done >= kills.get(0)) {
                        kills.remove(0);
                        long seen = tracker.outputs();
                        double at = seconds(t0);
                        serve.kill();
                        serve = ServeProcess.start(plan.dir(), "serve-" + ++generation, env, plan.javaOptions());
                        faults.add(new Fault("SIGKILL serve", at, seen, awaitProgress(tracker, seen, deadline)));
                        if (plan.killWhileRecovering() && generation == 2) {
                            // The replacement's first outputs are the uploads that were in flight at the
                            // kill, re-read from the pending store: kill it again in the middle of that.
                            seen = tracker.outputs();
                            at = seconds(t0);
                            serve.kill();
                            serve = ServeProcess.start(plan.dir(), "serve-" + ++generation, env, plan.javaOptions());
                            faults.add(new Fault("SIGKILL serve while it recovers", at, seen, awaitProgress(tracker, seen, deadline)));
                        }
                    } else if (!brokerRestarted && done >= plan.brokerRestartAt()) {
                        brokerRestarted = true;
                        long seen = tracker.outputs();
                        double at = seconds(t0);
                        kafka.restart();
                        faults.add(new Fault("broker restart", at, seen, awaitProgress(tracker, seen, deadline)));
                    }
                    Thread.sleep(50);
                }
                stop.set(true);
                sender.join(60_000);
                Thread.sleep(3_000); // a late duplicate would show up now
                if (producer.failure() != null || producer.acknowledged() != producer.sent()) {
                    throw new ClipGuardException(ErrorCode.LOADTEST_FAILED, "the broker did not take every upload (" + producer.acknowledged()
                            + " of " + producer.sent() + " acknowledged): " + producer.failure());
                }
                OutputTracker.ExactlyOnce verdict = tracker.check(producer.sentAtNanos().keySet());
                Result result = new Result(plan.events(), producer.sent(), tracker.decisions(), tracker.deadLetters(), verdict, faults,
                        seconds(t0), tracker.latencies().percentile(50), tracker.latencies().percentile(99));
                print(result, out);
                return result;
            } finally {
                serve.close();
            }
        }
    }

    /** Seconds until outputs move past {@code seen} again (the fault's outage as a consumer sees it). */
    private static double awaitProgress(OutputTracker tracker, long seen, long deadline) throws InterruptedException {
        long start = System.nanoTime();
        while (tracker.outputs() <= seen && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static void print(Result r, PrintWriter out) {
        out.println();
        out.printf("%-34s %10s %14s %16s%n", "fault", "at (s)", "outputs before", "outputs stalled (s)");
        for (Fault f : r.faults()) {
            out.printf("%-34s %10.1f %14d %16.1f%n", f.what(), f.atSeconds(), f.outputsBefore(), f.downSeconds());
        }
        out.println();
        out.printf("uploads sent %d, decisions %d, dead letters %d, in %.0f s; send-to-output p50 %d ms, p99 %d ms%n", r.sent(),
                r.decisions(), r.deadLetters(), r.seconds(), r.p50Millis(), r.p99Millis());
        out.println("verdict: " + r.verdict());
        out.flush();
    }
}
