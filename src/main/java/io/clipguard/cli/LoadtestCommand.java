package io.clipguard.cli;

import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.Models;
import io.clipguard.config.ClipGuardConfig;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.tools.loadtest.FaultDrill;
import io.clipguard.tools.loadtest.LoadReport;
import io.clipguard.tools.loadtest.LoadRun;
import io.clipguard.tools.loadtest.OutputTracker;
import io.clipguard.tools.loadtest.Soak;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code clipguard loadtest [faults|soak]}: the load test, and drills, against a real
 * {@code clipguard serve} child process (an embedded broker on loopback unless
 * {@code --bootstrap-servers}). Code in {@code loadtest/}.
 */
@Command(name = "loadtest", mixinStandardHelpOptions = true,
        description = "Load test a real serve process: throughput, latency, batch sizes, CPU per record, exactly-once; "
                + "JSON and HTML reports. Subcommands: fault and soak drills.",
        subcommands = {LoadtestCommand.Faults.class, LoadtestCommand.SoakRun.class})
class LoadtestCommand implements Callable<Integer> {
    @Option(names = "--events", defaultValue = "2000", description = "Uploads measured (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--rate", defaultValue = "0", description = "Uploads per second; 0 sends them all at once, a backlog (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--mix", defaultValue = "photos", description = "photos (640x480 to 4032x3024 JPEGs) or small (about 256 px) (default: ${DEFAULT-VALUE}).")
    String mix;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the run's topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "An external broker (KAFKA_* variables pass through); default: an embedded one.")
    String bootstrapServers;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A setting of the service under test, e.g. clipguard.batching.max-batch=32; repeatable.")
    Map<String, String> set = new LinkedHashMap<>();

    @Mixin
    EngineArgs engineArgs;

    @Option(names = "--baseline", description = "First measure the model alone at batch 8 in this process, for the ratio service / model.")
    boolean baseline;

    @Option(names = "--warmup", defaultValue = "200", description = "Uploads answered before measuring (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--out", paramLabel = "DIR", description = "Where report.json and report.html go (default: target/loadtest/RUN).")
    Path out;

    @Option(names = "--service-jvm", paramLabel = "OPTIONS", defaultValue = "-Xmx2g -XX:MaxDirectMemorySize=2g",
            description = "JVM options of the service under test, e.g. a flight recording (default: ${DEFAULT-VALUE}).")
    String serviceJvm;

    @Option(names = "--bank-hashes", defaultValue = "0", paramLabel = "N",
            description = "Write N random PDQ hashes to bank known-bad before the service starts; with a policy that uses the bank "
                    + "(loadtest/demo-banks.yaml) every upload is looked up in it (default: ${DEFAULT-VALUE}).")
    int bankHashes;

    @Option(names = "--bank-exemplars", defaultValue = "0", paramLabel = "N",
            description = "Write N random exemplars of the model to bank look-alikes before the service starts; every inference batch "
                    + "is searched against them, and matched with a policy that uses the bank (loadtest/clip-banks.yaml) "
                    + "(default: ${DEFAULT-VALUE}).")
    int bankExemplars;

    @Option(names = "--compare", arity = "2", paramLabel = "REPORT.json", description = "Print the ratios of two reports' figures (B / A) and exit.")
    List<Path> compare;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter print = spec.commandLine().getOut();
        if (compare != null) {
            LoadReport.compare(LoadReport.read(compare.get(0)), LoadReport.read(compare.get(1)), print);
            return 0;
        }
        Map<String, String> settings = new LinkedHashMap<>(set);
        engineArgs.addTo(settings);
        Settings.load(settings); // a misspelt setting fails here, not in the child process
        ClipGuardConfig.Model model = Settings.load(settings).app().model();
        LoadRun.Baseline bare = baseline ? new LoadRun.Baseline(Models.dir(model), Models.options(model), 8, Duration.ofSeconds(15)) : null;
        Path work = workDir(null, "clipguard-loadtest");
        LoadReport report = LoadRun.run(new LoadRun.Plan(events, rate, mix, partitions, bootstrapServers, settings, work,
                serviceJvm, warmup, Duration.ofMinutes(30), bare, bankHashes, exemplars(model)), print);
        Path dir = out != null ? out : Path.of("target", "loadtest", report.run());
        report.write(dir);
        print.printf("reports: %s, %s%n", dir.resolve("report.json"), dir.resolve("report.html"));
        print.flush();
        return 0;
    }

    /**
     * The drills' own clients log every refused connection while they kill and restart things on
     * purpose; only errors are worth showing here (the service's log is in the work directory).
     * Held in a field: JUL keeps loggers weakly.
     */
    private static final Logger KAFKA_CLIENTS = quiet("org.apache.kafka");

    private static Logger quiet(String name) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(Level.SEVERE);
        return logger;
    }

    /** The exemplars to write, of the model the service will load (opened here once for its digest and dimension). */
    private LoadRun.Exemplars exemplars(ClipGuardConfig.Model model) {
        if (bankExemplars <= 0) {
            return null;
        }
        try (ClipEngine engine = ClipEngine.open(Models.dir(model), Models.options(model))) {
            return new LoadRun.Exemplars(bankExemplars, engine.identity().digest(), engine.dimension());
        }
    }

    private static Path workDir(Path given, String prefix) throws IOException {
        return given != null ? Files.createDirectories(given) : Files.createTempDirectory(prefix);
    }

    /** 0 when every upload had exactly one output; {@code LOADTEST_FAILED} naming what was lost or duplicated otherwise. */
    private static int exactlyOnce(OutputTracker.ExactlyOnce verdict, Path work) {
        if (!verdict.holds()) {
            throw new ClipGuardException(ErrorCode.LOADTEST_FAILED, verdict + " (logs in " + work + ")");
        }
        return 0;
    }

    @Command(name = "faults", mixinStandardHelpOptions = true,
            description = "Kill serve with SIGKILL three times and restart the broker once while uploads stream in; "
                    + "then check every upload has exactly one output.")
    static class Faults implements Callable<Integer> {
        @Option(names = "--events", defaultValue = "5000", description = "Uploads (default: ${DEFAULT-VALUE}).")
        int events;

        @Option(names = "--rate", defaultValue = "0", description = "Uploads per second; 0 sends them all at once (default: ${DEFAULT-VALUE}).")
        double rate;

        @Option(names = "--dir", paramLabel = "DIR", description = "Work directory for logs and state (default: a new temporary one).")
        Path dir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Path work = workDir(dir, "clipguard-drill");
            FaultDrill.Plan standard = FaultDrill.Plan.standard(events, work);
            FaultDrill.Result r = FaultDrill.run(new FaultDrill.Plan(events, rate, standard.killAt(), standard.brokerRestartAt(),
                    standard.killWhileRecovering(), standard.timeout(), work, standard.javaOptions()), spec.commandLine().getOut());
            return exactlyOnce(r.verdict(), work);
        }
    }

    @Command(name = "soak", mixinStandardHelpOptions = true,
            description = "Measure capacity, send a multiple of it for a long while printing lag, heap and RSS, then check nothing was lost.")
    static class SoakRun implements Callable<Integer> {
        @Option(names = "--factor", defaultValue = "1.5", description = "Multiple of the measured capacity to send (default: ${DEFAULT-VALUE}).")
        double factor;

        @Option(names = "--rate", defaultValue = "0", description = "Uploads per second instead of factor x measured capacity.")
        double rate;

        @Option(names = "--minutes", defaultValue = "20", description = "How long to send (default: ${DEFAULT-VALUE}).")
        double minutes;

        @Option(names = "--probe-events", defaultValue = "3000", description = "Backlog used to measure capacity (default: ${DEFAULT-VALUE}).")
        int probeEvents;

        @Option(names = "--dir", paramLabel = "DIR", description = "Work directory for logs and state (default: a new temporary one).")
        Path dir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Path work = workDir(dir, "clipguard-soak");
            Duration duration = Duration.ofSeconds((long) (minutes * 60));
            PrintWriter out = spec.commandLine().getOut();
            Soak.Result r = Soak.run(new Soak.Plan(rate, factor, duration, Duration.ofMinutes(1), probeEvents, duration.multipliedBy(2), work,
                    "-Xmx1g -XX:MaxDirectMemorySize=2g"), out);
            return exactlyOnce(r.verdict(), work);
        }
    }
}
