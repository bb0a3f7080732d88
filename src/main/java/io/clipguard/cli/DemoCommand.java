package io.clipguard.cli;

import io.clipguard.app.ClipGuardNode;
import io.clipguard.app.LocalNode;
import io.clipguard.config.Settings;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.tools.demo.DemoRun;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code clipguard demo}: the whole pipeline on one machine: an embedded KRaft broker, the
 * service with the demo model and policy, and a generator of synthetic uploads (a few
 * broken on purpose). Prints each decision or dead letter as a read_committed consumer sees
 * it, then a summary.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run broker + service + demo model + demo policy + synthetic uploads; print decisions as they arrive.")
class DemoCommand implements Callable<Integer> {
    @Mixin
    EngineArgs engineArgs;

    @Mixin
    ServiceArgs serviceArgs;

    @Option(names = "--events", defaultValue = "0", description = "Exit after this many outputs (0: run until stopped, 5 uploads a second).")
    int events;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the upload generator.")
    long seed;

    @Spec
    CommandSpec spec;

    @Inject
    LocalNode local;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, String> overrides = new HashMap<>();
        engineArgs.addTo(overrides);
        serviceArgs.addTo(overrides);
        overrides.putIfAbsent("clipguard.policies.watch", "true"); // dev mode: saving a policy file publishes it
        Settings settings = Settings.load(overrides);
        LocalNode nodes = local != null ? local : new LocalNode();
        ClipGuardNode node = nodes.start(settings, true);
        try {
            ModerationRuntime runtime = node.runtime();
            String bootstrap = node.clients().requireBootstrapServers();
            out.printf("ClipGuard demo: Kafka %s (embedded KRaft); model %s (%s, %s); policy %s v%d%n", bootstrap,
                    runtime.engine().identity().id(), runtime.engine().identity().digest().substring(0, 19), runtime.engine().provider(),
                    runtime.policy().policy().id(), runtime.policy().policy().version());
            DemoUsers.ensure(settings.app().users().file(), out);
            String http = "http://localhost:" + settings.raw("quarkus.http.port").orElse("8080");
            out.printf("Pages: %s/dashboard/ (live), %s/review/ (review queue), %s/editor/ (policies; saving a file in %s publishes it); "
                    + "API: /policies, /decisions, /reviews, OpenAPI: /q/openapi; metrics: /q/metrics%n", http, http, http,
                    DemoUsers.shown(settings.app().policies().dir()));
            out.flush();
            new DemoRun(out, node.topics(), runtime, events, seed).go(node.clients());
        } finally {
            nodes.stop();
        }
        return 0;
    }
}
