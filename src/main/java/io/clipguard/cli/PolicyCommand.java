package io.clipguard.cli;

import io.clipguard.kafka.TopicCreator;
import io.clipguard.policy.catalog.PolicyWriter;
import io.clipguard.schema.PolicyHead;
import io.clipguard.stream.PolicyLog;
import io.clipguard.stream.TopicRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clipguard policy ...}: policy operations from the command line. */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Policy operations.",
        subcommands = {PolicyCommand.Apply.class})
class PolicyCommand {

    /**
     * {@code clipguard policy apply FILE}: publishes the file as the new active version when
     * its content differs from the active one. Running instances pick it up from the
     * topic; an instance whose model the policy was not calibrated for refuses it and keeps
     * its version (see GET /policies).
     */
    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = "Publish a policy file to moderation.policies when its content changed; every instance reloads it.")
    static class Apply implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "Policy YAML.")
        Path file;

        @Option(names = "--bootstrap-servers", required = true, defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS}",
                description = "Kafka bootstrap servers (env KAFKA_BOOTSTRAP_SERVERS).")
        String bootstrapServers;

        @Option(names = "--author", defaultValue = "${env:USER:-cli}", description = "Recorded as the author (default: $USER).")
        String author;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            String yaml;
            try {
                yaml = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CliFailure("FILE_UNREADABLE", CliFailure.FILE, file + ": " + e.getMessage());
            }
            TopicRegistry topics = TopicRegistry.defaults();
            PrintWriter out = spec.commandLine().getOut();
            try {
                TopicCreator.ensure(bootstrapServers, java.util.List.of(topics.policies(), topics.policyChanges()));
                try (PolicyLog log = new PolicyLog(bootstrapServers, topics, "cli")) {
                    // No model here: instances check the calibration when the head reaches them.
                    PolicyWriter writer = log.offlineWriter(p -> { }, false, Duration.ofSeconds(30));
                    Optional<PolicyHead> head = writer.applyFile(yaml, file.toString(), "cli:" + author);
                    out.println(head.map(h -> "published " + h.getPolicyId() + " v" + h.getActiveVersion())
                            .orElse("unchanged: the file's content is already the active version"));
                }
            } catch (org.apache.kafka.common.KafkaException | IllegalStateException e) {
                throw new CliFailure("KAFKA_ERROR", CliFailure.KAFKA, e.getMessage());
            }
            out.flush();
            return 0;
        }
    }
}
