package io.clipguard.tools.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./clipguard serve} as a child process, configured through its environment as a
 * container would be, that a drill can kill with SIGKILL and start again, and whose memory
 * (resident set and Java heap) it can sample from outside.
 */
public final class ServeProcess implements AutoCloseable {
    /** {@code getconf CLK_TCK} on Linux (the kernel's USER_HZ, 100 on every common architecture). */
    private static final int CLOCK_TICKS = 100;
    private final Process process;
    private final Path log;
    private final int httpPort;

    private ServeProcess(Process process, Path log, int httpPort) {
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
    }

    /**
     * Starts {@code clipguard serve} from the checkout this code runs from; output goes to
     * {@code dir/NAME.log}. The environment starts clean of Kafka and ClipGuard variables,
     * then takes {@code env}.
     */
    public static ServeProcess start(Path dir, String name, Map<String, String> env, String javaOptions, String... args) {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(home().resolve("clipguard").toString(), "serve"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(home().toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("CLIPGUARD_"));
        pb.environment().put("CLIPGUARD_MODEL_CACHE_DIR", dir.resolve("cache").toString());
        pb.environment().put("CLIPGUARD_USERS_FILE", dir.resolve("users").toString());
        pb.environment().put("CLIPGUARD_HTTP_ADVERTISED", "localhost:" + port);
        pb.environment().put("CLIPGUARD_JAVA_OPTS", javaOptions + " -Dquarkus.http.port=" + port);
        pb.environment().putAll(env);
        Path log = dir.resolve(name + ".log");
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            return new ServeProcess(pb.start(), log, port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command + ": " + e.getMessage(), e);
        }
    }

    /** The checkout: where the launcher runs from ({@code app.home}, set by it), else the working directory. */
    static Path home() {
        return Path.of(System.getProperty("app.home", System.getProperty("user.dir")));
    }

    public long pid() {
        return process.pid();
    }

    public int httpPort() {
        return httpPort;
    }

    public Path log() {
        return log;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no last commit, as a crash or the OOM killer would do it. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait: a clean shutdown (Kafka Streams commits and writes its checkpoints). */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            kill();
        }
    }

    /** Waits until {@code /q/health/ready} answers 200; false when {@code timeout} passed or the process ended first. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        return false;
    }

    /** The service's counters and gauges by Prometheus name (without labels' variants summed apart), from {@code /q/metrics}. */
    public Map<String, Double> metrics() {
        Map<String, Double> out = new java.util.HashMap<>();
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                    + "/q/metrics")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().split("\n")) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                int space = line.lastIndexOf(' ');
                String name = line.substring(0, space);
                int brace = name.indexOf('{');
                out.merge(brace < 0 ? name : name.substring(0, brace), Double.parseDouble(line.substring(space + 1)), Double::sum);
            }
        } catch (IOException | RuntimeException e) {
            // not answering: no figures
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    /** CPU seconds the process has used (user + system, from {@code /proc}); -1 if unknown. */
    public double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // Fields 14 and 15 of stat (utime, stime), counted after the command name: indexes 11 and 12.
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU seconds per thread name (digits folded, so a pool counts as one), from
     * {@code /proc/PID/task}: the JVM names native threads after Java threads, so this splits
     * the process's CPU between stream threads, the prepare pool, ONNX Runtime's native pool,
     * Kafka's network threads and the GC, which a Java profiler alone cannot.
     */
    public Map<String, Double> cpuSecondsByThread() {
        Map<String, Double> out = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc", String.valueOf(pid()), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("\\d+", "N");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    out.merge(name, (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLOCK_TICKS, Double::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        return out;
    }

    /** Resident set size from {@code /proc} (heap, direct buffers, ONNX Runtime's native memory, all of it), in bytes; -1 if unknown. */
    public long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone, or not Linux
        }
        return -1;
    }

    /** Java heap in use (survivor, eden and old spaces) as {@code jstat -gc} reports it, in bytes; -1 if unknown. */
    public long heapUsedBytes() {
        Path jstat = Path.of(System.getProperty("java.home"), "bin", "jstat");
        try {
            Process p = new ProcessBuilder(jstat.toString(), "-gc", String.valueOf(pid())).redirectErrorStream(true).start();
            List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
            p.waitFor(10, TimeUnit.SECONDS);
            if (lines.size() < 2) {
                return -1;
            }
            List<String> names = List.of(lines.get(0).trim().split("\\s+"));
            String[] values = lines.get(1).trim().split("\\s+");
            double kib = 0;
            for (String used : List.of("S0U", "S1U", "EU", "OU")) {
                kib += Double.parseDouble(values[names.indexOf(used)]);
            }
            return (long) (kib * 1024);
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
