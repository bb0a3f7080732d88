package io.clipguard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.cli.CliErrors;
import io.clipguard.cli.ClipguardCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;

/** Runs {@code clipguard} sub-commands in-process through picocli, with the production error handler. */
public final class Cli {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Cli() {
    }

    /** What a command printed and its exit status. */
    public record Run(int exit, String out, String err) {
        public List<JsonNode> jsonLines() {
            return out.lines().map(l -> {
                try {
                    return JSON.readTree(l);
                } catch (Exception e) {
                    throw new AssertionError("not JSON: " + l, e);
                }
            }).toList();
        }
    }

    public static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = CliErrors.install(new CommandLine(new ClipguardCommand()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
