package io.clipguard.cli;

import io.clipguard.api.RunningService;
import io.clipguard.moderation.ModerationRuntime;
import io.quarkus.runtime.Quarkus;
import jakarta.inject.Inject;
import java.util.concurrent.Callable;
import org.eclipse.microprofile.config.ConfigProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code clipguard serve}: the moderation service until stopped (SIGTERM / Ctrl-C). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the moderation service against KAFKA_BOOTSTRAP_SERVERS (an embedded broker when unset), with the HTTP API.")
class ServeCommand implements Callable<Integer> {
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(ServeCommand.class.getName());

    @Mixin
    EngineArgs engineArgs;

    @Mixin
    ServiceArgs serviceArgs;

    @Option(names = "--advertised-http", defaultValue = "${env:CLIPGUARD_ADVERTISED_HTTP:-}",
            description = "host:port other instances reach this one's HTTP API at (default: localhost and quarkus.http.port).")
    String advertisedHttp;

    @Inject
    RunningService running;

    @Override
    public Integer call() throws Exception {
        try (ServiceInstance instance = ServiceInstance.start(engineArgs, serviceArgs, advertised(), running)) {
            ModerationRuntime runtime = instance.runtime;
            System.out.printf("clipguard serving: instance %s, kafka %s%s, model %s %s, policy %s v%d, http %s%n",
                    instance.service.settings().instanceId(), instance.bootstrap, instance.embedded != null ? " (embedded)" : "",
                    runtime.engine().identity().id(), runtime.engine().identity().digest(), runtime.policy().policy().id(),
                    runtime.policy().policy().version(), instance.service.settings().advertisedHttp());
            System.out.flush();
            var stats = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "clipguard-stats");
                t.setDaemon(true);
                return t;
            });
            stats.scheduleAtFixedRate(() -> LOG.info(String.format("inference batches: mean size %.2f, count by size %s",
                    runtime.batcher().meanBatchSize(), java.util.Arrays.toString(runtime.batcher().batchSizeCounts()))), 60, 60,
                    java.util.concurrent.TimeUnit.SECONDS);
            Quarkus.waitForExit();
            stats.shutdownNow();
        }
        return 0;
    }

    private String advertised() {
        if (advertisedHttp != null && !advertisedHttp.isBlank()) {
            return advertisedHttp;
        }
        int port = ConfigProvider.getConfig().getOptionalValue("quarkus.http.port", Integer.class).orElse(8080);
        return "localhost:" + port;
    }
}
