package io.clipguard.cli;

import io.clipguard.api.RunningService;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.TopicCreator;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.stream.ModerationService;
import io.clipguard.stream.PolicyControl;
import java.time.Duration;

/**
 * One running instance, as {@code serve} and {@code demo} start it: the broker (embedded
 * when none is given), topics, the runtime, policy files applied, then the stream service,
 * registered with the HTTP API. Closed in reverse order.
 */
final class ServiceInstance implements AutoCloseable {
    final EmbeddedKafka embedded;
    final String bootstrap;
    final ModerationRuntime runtime;
    final PolicyControl control;
    final ModerationService service;

    private ServiceInstance(EmbeddedKafka embedded, String bootstrap, ModerationRuntime runtime, PolicyControl control,
                            ModerationService service) {
        this.embedded = embedded;
        this.bootstrap = bootstrap;
        this.runtime = runtime;
        this.control = control;
        this.service = service;
    }

    static ServiceInstance start(EngineArgs engineArgs, ServiceArgs args, String advertisedHttp, RunningService running)
            throws InterruptedException {
        EmbeddedKafka embedded = args.bootstrapServers.isBlank() ? EmbeddedKafka.start() : null;
        String bootstrap = embedded != null ? embedded.bootstrapServers() : args.bootstrapServers;
        String instance = args.instance();
        ModerationRuntime runtime = null;
        PolicyControl control = null;
        ModerationService service = null;
        try {
            var settings = args.service(bootstrap, instance, advertisedHttp);
            TopicCreator.ensure(bootstrap, settings.topics().all());
            runtime = ModerationRuntime.open(args.runtime(engineArgs, instance));
            control = new PolicyControl(bootstrap, settings.topics(), runtime.policies(), runtime.engine().identity().digest(), instance,
                    args.twoPersonRule);
            var applied = control.applyFiles(args.policyFiles());
            String enforced = runtime.policies().enforcedId();
            if (applied.stream().noneMatch(a -> a.policyId().equals(enforced))) {
                control.applyText(args.bundledPolicyText(), "bundled:policies/demo-shapes.yaml");
            }
            service = new ModerationService(settings, runtime).start();
            if (running != null) {
                running.set(service, control);
            }
            service.awaitRunning(Duration.ofMinutes(2));
            if (args.watchPolicies) {
                control.watchFiles(500);
            }
            return new ServiceInstance(embedded, bootstrap, runtime, control, service);
        } catch (RuntimeException | InterruptedException e) {
            closeAll(service, control, runtime, embedded);
            throw e;
        }
    }

    @Override
    public void close() {
        closeAll(service, control, runtime, embedded);
    }

    private static void closeAll(AutoCloseable... parts) {
        for (AutoCloseable c : parts) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    java.util.logging.Logger.getLogger(ServiceInstance.class.getName()).warning("closing " + c + ": " + e);
                }
            }
        }
    }
}
