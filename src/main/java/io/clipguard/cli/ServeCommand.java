package io.clipguard.cli;

import io.clipguard.app.ClipGuardNode;
import io.clipguard.app.LocalNode;
import io.clipguard.config.Settings;
import io.clipguard.moderation.ModerationRuntime;
import io.quarkus.runtime.Quarkus;
import jakarta.inject.Inject;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code clipguard serve}: the moderation service until stopped (SIGTERM / Ctrl-C). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the moderation service against KAFKA_BOOTSTRAP_SERVERS (or --bootstrap-servers), with the HTTP API.")
class ServeCommand implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(ServeCommand.class.getName());

    @Mixin
    KafkaArgs kafkaArgs;

    @Mixin
    EngineArgs engineArgs;

    @Mixin
    ServiceArgs serviceArgs;

    @Option(names = "--embedded-kafka", description = "Start a temporary single-node broker in this process (testing only: its data is deleted on exit).")
    boolean embeddedKafka;

    @Inject
    LocalNode local;

    @Override
    public Integer call() throws Exception {
        Map<String, String> overrides = new HashMap<>();
        engineArgs.addTo(overrides);
        serviceArgs.addTo(overrides);
        Settings settings = kafkaArgs.settings(overrides);
        LocalNode nodes = local != null ? local : new LocalNode();
        ClipGuardNode node = nodes.start(settings, embeddedKafka);
        ScheduledExecutorService stats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "clipguard-stats");
            t.setDaemon(true);
            return t;
        });
        try {
            ModerationRuntime runtime = node.runtime();
            System.out.printf("clipguard serving: instance %s, kafka %s%s, model %s %s, policy %s v%d, http %s%n",
                    node.service().settings().instanceId(), node.clients().requireBootstrapServers(),
                    node.embeddedKafka() != null ? " (embedded)" : "", runtime.engine().identity().id(), runtime.engine().identity().digest(),
                    runtime.policy().policy().id(), runtime.policy().policy().version(), node.service().settings().advertisedHttp());
            System.out.flush();
            stats.scheduleAtFixedRate(() -> LOG.info(String.format("inference batches: mean size %.2f, count by size %s",
                    runtime.batcher().meanBatchSize(), Arrays.toString(runtime.batcher().batchSizeCounts()))), 60, 60, TimeUnit.SECONDS);
            Quarkus.waitForExit();
        } finally {
            stats.shutdownNow();
            nodes.stop();
        }
        return 0;
    }
}
