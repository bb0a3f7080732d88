package io.clipguard.cli;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.KafkaErrors;
import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import picocli.CommandLine;

/**
 * Maps failures to {@code CODE: message} on stderr and the code's exit status
 * ({@link ErrorCode#exitStatus()}: 2 usage, 3 model, 4 input, 5 file or policy, 6 Kafka,
 * 7 service, 1 anything unexpected). Stack traces only for the unexpected.
 */
@ApplicationScoped
public class CliErrors {
    @Produces
    CommandLine commandLine(PicocliCommandLineFactory factory) {
        return install(factory.create());
    }

    /** Sets the handler on {@code commandLine}; tests use it on a plain picocli instance. */
    public static CommandLine install(CommandLine commandLine) {
        return commandLine.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof ClipGuardException e) {
                return print(cmd, e.code(), e.getMessage());
            }
            ClipGuardException kafka = KafkaErrors.ifKafka(ex).orElse(null);
            if (kafka != null) {
                return print(cmd, kafka.code(), kafka.getMessage());
            }
            if (ex instanceof IllegalArgumentException a) {
                return print(cmd, ErrorCode.INVALID_ARGUMENT, a.getMessage());
            }
            if (ex instanceof InterruptedException) {
                return print(cmd, ErrorCode.INTERRUPTED, "interrupted");
            }
            cmd.getErr().println(ErrorCode.INTERNAL_ERROR + ": " + ex);
            ex.printStackTrace(cmd.getErr());
            return ErrorCode.INTERNAL_ERROR.exitStatus();
        });
    }

    private static int print(CommandLine cmd, ErrorCode code, String message) {
        cmd.getErr().println(code + ": " + message);
        return code.exitStatus();
    }
}
