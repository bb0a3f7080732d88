package io.clipguard.cli;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.loadtest.FaultDrill;
import io.clipguard.loadtest.OutputTracker;
import io.clipguard.loadtest.Soak;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code clipguard loadtest faults|soak}: drills against a real {@code clipguard serve} child
 * process and an embedded broker (loopback only). Code in {@code loadtest/}.
 */
@Command(name = "loadtest", mixinStandardHelpOptions = true,
        description = "Load and fault drills against a real serve process on an embedded broker.",
        subcommands = {LoadtestCommand.Faults.class, LoadtestCommand.SoakRun.class})
class LoadtestCommand {
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
