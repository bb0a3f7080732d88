package io.clipguard.cli;

import io.clipguard.config.Settings;
import io.clipguard.error.ErrorCode;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.moderation.kafka.DeadLetterReplay;
import io.clipguard.schema.DeadLetter;
import io.quarkus.runtime.configuration.DurationConverter;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clipguard dlq ...}: the dead-letter topic. */
@Command(name = "dlq", mixinStandardHelpOptions = true, description = "Dead letters.", subcommands = {DlqCommand.Replay.class})
class DlqCommand {

    /**
     * {@code clipguard dlq replay}: sends selected dead letters' original records back to the
     * uploads topic, exactly once (a ledger of replayed letters is written in the same
     * transaction), and prints a report.
     */
    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Re-publish dead letters' original key and value to the uploads topic, exactly once, and report.")
    static class Replay implements Callable<Integer> {
        @Mixin
        KafkaArgs kafkaArgs;

        @Option(names = "--reason", paramLabel = "CODE", description = "Only dead letters with this reason code; repeat for several (default: "
                + "all but IMAGE_TOO_LARGE and IMAGE_TOO_COMPLEX, which a replay would spend the same limits on again: name them to replay them).")
        List<String> reasons = new ArrayList<>();

        @Option(names = "--since", paramLabel = "T", description = "Only dead letters from T on: an instant (2026-11-29T10:00:00Z) or an age (2h, 30m).")
        String since;

        @Option(names = "--until", paramLabel = "T", description = "Only dead letters before T: an instant or an age.")
        String until;

        @Option(names = "--dry-run", description = "Report what would be replayed; send nothing.")
        boolean dryRun;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            for (String r : reasons) {
                try {
                    ErrorCode.valueOf(r);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown reason code '" + r + "' (see the error codes in docs/integrators.md)");
                }
            }
            Instant from = since == null ? Instant.MIN : instant(since, "--since");
            Instant to = until == null ? Instant.MAX : instant(until, "--until");
            Set<String> codes = Set.copyOf(reasons);
            Predicate<DeadLetter> select = l -> (codes.isEmpty() ? !DeadLetterReplay.BOMBS.contains(l.getReasonCode())
                    : codes.contains(l.getReasonCode())) && !l.getFailedAt().isBefore(from) && l.getFailedAt().isBefore(to);
            Settings settings = kafkaArgs.settings(Map.of());
            KafkaClients clients = KafkaClients.from(settings);
            clients.requireBootstrapServers();
            DeadLetterReplay.Report report = DeadLetterReplay.run(clients, TopicRegistry.from(settings.app().topics()), select, dryRun);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%s: %d dead letters scanned, %d selected%n", dryRun ? "dry run" : "replay", report.scanned(), report.selected());
            out.printf("  %-28s %d%n", dryRun ? "would be replayed" : "replayed", report.replayed());
            out.printf("  %-28s %d%n", "already replayed (skipped)", report.alreadyReplayed());
            out.printf("  %-28s %d%n", "no whole original (skipped)", report.notReplayable());
            report.byReason().forEach((code, n) -> out.printf("    %-26s %d%n", code, n));
            out.flush();
            return 0;
        }

        /** An ISO instant, or an age ({@code 2h}, {@code PT30M}) counted back from now. */
        private static Instant instant(String text, String option) {
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                try {
                    return Instant.now().minus(new DurationConverter().convert(text));
                } catch (RuntimeException notDuration) {
                    throw new IllegalArgumentException(option + " must be an instant (2026-11-29T10:00:00Z) or an age (2h), found '" + text + "'");
                }
            }
        }
    }
}
