package io.clipguard.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

/** The {@code clipguard} command line. */
@TopCommand
@Command(name = "clipguard", mixinStandardHelpOptions = true, version = "ClipGuard 0.1.0",
        description = "Self-hosted streaming image moderation with CLIP on ONNX Runtime.",
        subcommands = {DemoCommand.class, ServeCommand.class, ProduceCommand.class, TailCommand.class, ModelCommand.class, EmbedCommand.class, ClassifyCommand.class,
                PreprocessCommand.class, BenchCommand.class, PolicyCommand.class, BankCommand.class, UserCommand.class, DlqCommand.class, LoadtestCommand.class, EvaluateCommand.class, AuditBiasCommand.class, ExplainCommand.class})
public class ClipguardCommand {
}
