package io.clipguard.cli;

import io.clipguard.clip.ModelException;
import io.clipguard.policy.PolicyException;
import io.clipguard.policy.catalog.PolicyCommandException;
import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import picocli.CommandLine;

/**
 * Maps failures to {@code CODE: message} on stderr and a stable exit status: 2 usage,
 * 3 model, 4 image, 5 file (policy files included), 6 Kafka, 1 anything unexpected. Stack traces only for the unexpected.
 */
@ApplicationScoped
class CliErrors {
    @Produces
    CommandLine commandLine(PicocliCommandLineFactory factory) {
        return install(factory.create());
    }

    /** Sets the handler on {@code commandLine}; tests use it on a plain picocli instance. */
    static CommandLine install(CommandLine commandLine) {
        return commandLine.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof CliFailure f) {
                return print(cmd, f.code(), f.getMessage(), f.exitCode());
            }
            if (ex instanceof ModelException m) {
                return print(cmd, m.code(), m.getMessage(), CliFailure.MODEL);
            }
            if (ex instanceof PolicyException p) {
                return print(cmd, p.code(), p.getMessage(), CliFailure.FILE);
            }
            if (ex instanceof PolicyCommandException p) {
                return print(cmd, p.code(), p.getMessage(), CliFailure.FILE);
            }
            if (ex instanceof IllegalArgumentException a) {
                return print(cmd, "INVALID_ARGUMENT", a.getMessage(), CliFailure.USAGE);
            }
            cmd.getErr().println("INTERNAL_ERROR: " + ex);
            ex.printStackTrace(cmd.getErr());
            return 1;
        });
    }

    private static int print(CommandLine cmd, String code, String message, int exit) {
        cmd.getErr().println(code + ": " + message);
        return exit;
    }
}
