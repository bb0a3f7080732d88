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
 * Overload and soak: measures what {@code clipguard serve} sustains on this machine, then
 * sends {@code factor} times that for a long while. The backlog (consumer lag) must grow
 * while memory does not: heap and resident set (native memory included: ONNX Runtime, direct
 * buffers, RocksDB) are printed every interval and must level off, because everything in
 * flight is bounded by the in-flight window, not by the backlog. Then sending stops, the
 * backlog drains, and every upload must have exactly one output.
 */
public final class Soak {
    public record Plan(double perSecond, double factor, Duration duration, Duration interval, int probeEvents, Duration drainTimeout,
                       Path dir, String javaOptions) {
    }

    public record Sample(double minutes, long sent, long outputs, long lag, double outputsPerSecond, long heapBytes, long residentBytes) {
    }

    public record Result(double capacityPerSecond, double ratePerSecond, List<Sample> samples, OutputTracker.ExactlyOnce verdict, long sent,
                         double drainSeconds) {
    }

    private Soak() {
    }

    public static Result run(Plan plan, PrintWriter out) throws InterruptedException {
        TopicRegistry topics = TopicRegistry.from(Settings.load(Map.of()).app().topics());
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            KafkaClients clients = KafkaClients.of(kafka.bootstrapServers());
            TopicCreator.ensure(clients, topics.all());
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(), "CLIPGUARD_STREAM_INSTANCE_ID", "soak",
                    "CLIPGUARD_STREAM_STATE_DIR", plan.dir().resolve("state").toString());
            ServeProcess serve = ServeProcess.start(plan.dir(), "serve-soak", env, plan.javaOptions());
            out.printf("soak: broker %s, serve pid %d (log %s)%n", kafka.bootstrapServers(), serve.pid(), serve.log());
            try (UploadProducer producer = new UploadProducer(clients, topics.uploaded().name(), new UploadPool(11, "soak", 200, true));
                 OutputTracker tracker = new OutputTracker(clients, topics, producer.sentAtNanos())) {
                double capacity = plan.perSecond() > 0 ? plan.perSecond() / plan.factor() : probe(producer, tracker, plan.probeEvents(), out);
                double rate = plan.perSecond() > 0 ? plan.perSecond() : capacity * plan.factor();
                out.printf("capacity %.1f uploads/s; sending %.1f/s (x%.2f) for %s%n", capacity, rate, plan.factor(), plan.duration());
                out.printf("%8s %10s %10s %10s %12s %10s %10s%n", "minute", "sent", "outputs", "lag", "outputs/s", "heap MiB", "RSS MiB");
                AtomicBoolean stop = new AtomicBoolean();
                Thread sender = new Thread(() -> {
                    try {
                        producer.send(Long.MAX_VALUE, rate, stop::get);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "soak-producer");
                sender.setDaemon(true);
                sender.start();
                List<Sample> samples = new ArrayList<>();
                long start = System.nanoTime();
                long end = start + plan.duration().toNanos();
                long lastOutputs = tracker.outputs();
                long lastAt = start;
                while (System.nanoTime() < end) {
                    Thread.sleep(Math.min(plan.interval().toMillis(), Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                    long now = System.nanoTime();
                    long outputs = tracker.outputs();
                    Sample s = new Sample((now - start) / 60e9, producer.sent(), outputs, producer.sent() - outputs,
                            (outputs - lastOutputs) / ((now - lastAt) / 1e9), serve.heapUsedBytes(), serve.residentBytes());
                    lastOutputs = outputs;
                    lastAt = now;
                    samples.add(s);
                    out.printf("%8.1f %10d %10d %10d %12.1f %10.0f %10.0f%n", s.minutes(), s.sent(), s.outputs(), s.lag(), s.outputsPerSecond(),
                            s.heapBytes() / 1048576.0, s.residentBytes() / 1048576.0);
                }
                stop.set(true);
                sender.join(60_000);
                long drainStart = System.nanoTime();
                long drainDeadline = drainStart + plan.drainTimeout().toNanos();
                while (tracker.outputs() < producer.sent() && System.nanoTime() < drainDeadline) {
                    Thread.sleep(200);
                }
                double drain = (System.nanoTime() - drainStart) / 1e9;
                Thread.sleep(3_000);
                OutputTracker.ExactlyOnce verdict = tracker.check(producer.sentAtNanos().keySet());
                out.printf("sent %d; backlog drained in %.0f s; heap and RSS after the drain: %.0f MiB, %.0f MiB%n", producer.sent(), drain,
                        serve.heapUsedBytes() / 1048576.0, serve.residentBytes() / 1048576.0);
                out.println("verdict: " + verdict);
                return new Result(capacity, rate, samples, verdict, producer.sent(), drain);
            } finally {
                serve.close();
            }
        }
    }

    /**
     * Capacity: sends {@code events} at once and times the outputs between the 20th and the
     * 90th percent (start-up and the tail excluded), then waits for the rest.
     */
    static double probe(UploadProducer producer, OutputTracker tracker, int events, PrintWriter out) throws InterruptedException {
        out.printf("measuring capacity with a backlog of %d uploads...%n", events);
        long base = tracker.outputs();
        producer.send(events, 0, () -> false);
        long from = base + events / 5;
        long to = base + events * 9L / 10;
        long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
        awaitOutputs(tracker, from, deadline);
        long t0 = System.nanoTime();
        awaitOutputs(tracker, to, deadline);
        double capacity = (to - from) / ((System.nanoTime() - t0) / 1e9);
        awaitOutputs(tracker, base + events, deadline);
        return capacity;
    }

    private static void awaitOutputs(OutputTracker tracker, long n, long deadline) throws InterruptedException {
        while (tracker.outputs() < n) {
            if (System.nanoTime() > deadline) {
                throw new ClipGuardException(ErrorCode.LOADTEST_FAILED, "only " + tracker.outputs() + " of " + n
                        + " outputs while measuring capacity; see the serve log");
            }
            Thread.sleep(20);
        }
    }
}
