package io.clipguard.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.clipguard.app.kafka.AclPlan;
import io.clipguard.config.Settings;
import io.clipguard.kafka.Topic;
import io.clipguard.kafka.TopicRegistry;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple;
import io.strimzi.api.kafka.model.user.KafkaUserScramSha512ClientAuthentication;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleGroupResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTopicResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTransactionalIdResource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.Test;

/**
 * The deployment files, parsed into the Kubernetes (fabric8) and Strimzi API models, checked
 * against the code they deploy: topics as {@code TopicRegistry} creates them, the KafkaUser's
 * ACLs equal to {@code AclPlan}'s, probes on the health endpoints, settings that exist, the
 * policy ConfigMap identical to the policy file. No cluster needed.
 */
class ManifestsTest {
    static final Path K8S = Path.of("deploy/kubernetes");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()).configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    @Test
    void theDeploymentProbesHealthMountsItsInputsAndIsScrapedForMetrics() throws IOException {
        Deployment d = one("deployment.yaml", Deployment.class);
        assertThat(d.getSpec().getSelector().getMatchLabels()).isEqualTo(d.getSpec().getTemplate().getMetadata().getLabels());
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getArgs()).containsExactly("serve");
        assertThat(c.getPorts()).singleElement().satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(8080));
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("prometheus.io/path", "/q/metrics")
                .containsEntry("prometheus.io/port", "8080").containsEntry("prometheus.io/scrape", "true");
        assertThat(c.getEnvFrom()).singleElement().satisfies(e -> assertThat(e.getConfigMapRef().getName()).isEqualTo("clipguard-config"));
        assertThat(env(c, "CLIPGUARD_STREAM_INSTANCE_ID").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        assertThat(env(c, "KAFKA_SASL_JAAS_CONFIG").getValueFrom().getSecretKeyRef().getName()).isEqualTo("clipguard");
        Map<String, Volume> volumes = d.getSpec().getTemplate().getSpec().getVolumes().stream()
                .collect(Collectors.toMap(Volume::getName, v -> v));
        assertThat(volumes.get("model").getPersistentVolumeClaim().getClaimName()).isEqualTo("clipguard-models");
        assertThat(volumes.get("policies").getConfigMap().getName()).isEqualTo("clipguard-policies");
        assertThat(volumes.get("users").getSecret().getSecretName()).isEqualTo("clipguard-users");
        assertThat(c.getVolumeMounts()).allSatisfy(m -> assertThat(volumes).containsKey(m.getName()));
        ConfigMap config = one("configmap.yaml", ConfigMap.class);
        assertThat(config.getData().get("CLIPGUARD_STREAM_STATE_DIR")).startsWith(mount(c, "state"));
        assertThat(config.getData().get("CLIPGUARD_MODEL_DIR")).startsWith(mount(c, "model"));
        assertThat(config.getData().get("CLIPGUARD_POLICIES_FILE")).startsWith(mount(c, "policies"));
        assertThat(Quantity.getAmountInBytes(c.getResources().getLimits().get("memory")))
                .isGreaterThan(Quantity.getAmountInBytes(c.getResources().getRequests().get("memory")));
    }

    @Test
    void theGpuVariantAsksForOneGpuAndRunsCuda() throws IOException {
        Deployment gpu = one("deployment-gpu.yaml", Deployment.class);
        Container c = gpu.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getResources().getRequests().get("nvidia.com/gpu")).isEqualTo(new Quantity("1"));
        assertThat(c.getResources().getLimits().get("nvidia.com/gpu")).isEqualTo(new Quantity("1"));
        assertThat(env(c, "CLIPGUARD_MODEL_PROVIDER").getValue()).isEqualTo("cuda");
        assertThat(c.getImage()).endsWith("-gpu");
        assertThat(gpu.getSpec().getSelector().getMatchLabels()).as("the two variants never select each other's pods")
                .isNotEqualTo(one("deployment.yaml", Deployment.class).getSpec().getSelector().getMatchLabels());
        assertThat(Files.readString(Path.of("deploy/docker/Dockerfile.gpu"))).doesNotContain("-Pcpu").containsPattern("FROM nvidia/cuda:12\\S*cudnn");
        // The CPU image is the slim build; the default build is the CUDA one (it runs on CPU-only hosts too).
        assertThat(Files.readString(Path.of("deploy/docker/Dockerfile"))).contains("-Pcpu");
        assertThat(Files.readString(Path.of("pom.xml"))).contains("<onnxruntime.artifact>onnxruntime_gpu</onnxruntime.artifact>");
    }

    @Test
    void everySettingTheManifestsSetExists() throws IOException {
        Set<String> documented = new HashSet<>();
        Matcher m = Pattern.compile("`(CLIPGUARD_[A-Z0-9_]+)`").matcher(Files.readString(Path.of("docs/operators.md")));
        while (m.find()) {
            documented.add(m.group(1));
        }
        Set<String> used = new TreeSet<>();
        Pattern name = Pattern.compile("\\b(CLIPGUARD_[A-Z0-9_]+)\\b");
        try (Stream<Path> files = Stream.concat(Files.list(K8S), Files.list(Path.of("deploy/docker")))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Matcher u = name.matcher(Files.readString(f));
                while (u.find()) {
                    used.add(u.group(1));
                }
            }
        }
        assertThat(used).hasSizeGreaterThan(10);
        // The settings table in docs/operators.md is checked against the code both ways (DocsContractTest).
        assertThat(documented).containsAll(used);
    }

    @Test
    void topicsAreTheOnesTheServiceCreatesWithTheirPartitionsAndCleanup() throws IOException {
        ConfigMap config = one("configmap.yaml", ConfigMap.class);
        int partitions = Integer.parseInt(config.getData().get("CLIPGUARD_TOPICS_PARTITIONS"));
        int replicas = Integer.parseInt(config.getData().get("CLIPGUARD_TOPICS_REPLICATION_FACTOR"));
        TopicRegistry registry = registry(config);
        Map<String, KafkaTopic> topics = all("strimzi/kafka-topics.yaml", KafkaTopic.class).stream()
                .collect(Collectors.toMap(t -> t.getSpec().getTopicName(), t -> t));
        assertThat(topics.keySet()).containsExactlyInAnyOrderElementsOf(registry.all().stream().map(Topic::name).toList());
        for (Topic<?, ?> t : registry.all()) {
            KafkaTopic k = topics.get(t.name());
            assertThat(k.getSpec().getPartitions()).as(t.name()).isEqualTo(t.partitions());
            assertThat(k.getSpec().getReplicas()).isEqualTo(replicas);
            assertThat(k.getMetadata().getLabels()).containsKey("strimzi.io/cluster");
            t.configs().forEach((key, value) -> assertThat(String.valueOf(k.getSpec().getConfig().get(key))).as(t.name() + " " + key)
                    .isEqualTo(value));
        }
        assertThat(partitions).isEqualTo(registry.uploaded().partitions());
    }

    @Test
    void theKafkaUserHasExactlyTheAclsTheServiceNeeds() throws IOException {
        KafkaUser user = one("strimzi/kafka-user.yaml", KafkaUser.class);
        assertThat(user.getSpec().getAuthentication()).isInstanceOf(KafkaUserScramSha512ClientAuthentication.class);
        ConfigMap config = one("configmap.yaml", ConfigMap.class);
        Set<String> declared = new TreeSet<>();
        for (AclRule rule : ((KafkaUserAuthorizationSimple) user.getSpec().getAuthorization()).getAcls()) {
            String resource;
            if (rule.getResource() instanceof AclRuleTopicResource t) {
                resource = "TOPIC " + t.getName() + " " + t.getPatternType();
            } else if (rule.getResource() instanceof AclRuleGroupResource g) {
                resource = "GROUP " + g.getName() + " " + g.getPatternType();
            } else if (rule.getResource() instanceof AclRuleTransactionalIdResource x) {
                resource = "TRANSACTIONAL_ID " + x.getName() + " " + x.getPatternType();
            } else {
                throw new AssertionError("unexpected resource " + rule.getResource());
            }
            rule.getOperations().forEach(op -> declared.add(resource + " " + op.toValue()));
        }
        Set<String> planned = new TreeSet<>();
        for (AclBinding b : AclPlan.bindings(AclPlan.Role.SERVICE, "User:" + user.getMetadata().getName(),
                config.getData().get("CLIPGUARD_STREAM_APPLICATION_ID"), registry(config))) {
            String pattern = switch (b.pattern().patternType()) {
                case LITERAL -> "LITERAL";
                case PREFIXED -> "PREFIX";
                default -> throw new AssertionError(b);
            };
            planned.add(b.pattern().resourceType() + " " + b.pattern().name() + " " + pattern + " " + strimzi(b.entry().operation().name()));
        }
        assertThat(declared).isEqualTo(planned);
    }

    @Test
    void kedaScalesTheDeploymentOnTheServicesOwnLagUpToThePartitionCount() throws IOException {
        GenericKubernetesResource scaled = all("keda-scaledobject.yaml", GenericKubernetesResource.class).stream()
                .filter(r -> r.getKind().equals("ScaledObject")).findFirst().orElseThrow();
        ConfigMap config = one("configmap.yaml", ConfigMap.class);
        Map<String, Object> spec = scaled.getAdditionalProperties().get("spec") instanceof Map<?, ?> s ? cast(s) : Map.of();
        assertThat(cast(spec.get("scaleTargetRef")).get("name")).isEqualTo(one("deployment.yaml", Deployment.class).getMetadata().getName());
        assertThat((Integer) spec.get("maxReplicaCount")).as("more pods than partitions would idle")
                .isLessThanOrEqualTo(Integer.parseInt(config.getData().get("CLIPGUARD_TOPICS_PARTITIONS")));
        Map<String, Object> trigger = cast(((List<?>) spec.get("triggers")).get(0));
        Map<String, Object> meta = cast(trigger.get("metadata"));
        assertThat(trigger.get("type")).isEqualTo("kafka");
        assertThat(meta.get("consumerGroup")).isEqualTo(config.getData().get("CLIPGUARD_STREAM_APPLICATION_ID"));
        assertThat(meta.get("topic")).isEqualTo(registry(config).uploaded().name());
        assertThat(meta.get("bootstrapServers")).isEqualTo(config.getData().get("KAFKA_BOOTSTRAP_SERVERS"));
    }

    @Test
    void theServiceAndBudgetSelectThePodsAndThePoliciesAreTheFilesOwn() throws IOException {
        Map<String, String> labels = one("deployment.yaml", Deployment.class).getSpec().getTemplate().getMetadata().getLabels();
        assertThat(labels).containsAllEntriesOf(one("service.yaml", Service.class).getSpec().getSelector());
        PodDisruptionBudget pdb = one("pdb.yaml", PodDisruptionBudget.class);
        assertThat(labels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        ConfigMap policies = one("policies-configmap.yaml", ConfigMap.class);
        assertThat(policies.getData().get("clip-default.yaml")).isEqualTo(Files.readString(Path.of("policies/clip-default.yaml")));
        List<String> resources = new ArrayList<>();
        YAML.readTree(K8S.resolve("kustomization.yaml").toFile()).get("resources").forEach(n -> resources.add(n.asText()));
        for (String r : resources) {
            assertThat(K8S.resolve(r)).exists();
        }
        try (Stream<Path> files = Files.walk(K8S)) {
            assertThat(files.filter(f -> f.toString().endsWith(".yaml") && !f.endsWith("kustomization.yaml"))
                    .map(f -> K8S.relativize(f).toString()).filter(f -> !f.equals("deployment-gpu.yaml")).toList())
                    .as("every manifest but the GPU variant is in the kustomization").containsExactlyInAnyOrderElementsOf(resources);
        }
    }

    @Test
    void theImagesBuildWithTheProjectsOwnBuildAndRunServe() throws IOException {
        for (String file : List.of("deploy/docker/Dockerfile", "deploy/docker/Dockerfile.gpu")) {
            String docker = Files.readString(Path.of(file));
            assertThat(docker).contains("-DskipTests").contains("ENTRYPOINT [\"java\", \"-jar\", \"/app/quarkus-run.jar\"]")
                    .contains("CMD [\"serve\"]").contains("USER 1001");
            Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(?:--chown=\\S+ )?(\\S+) ").matcher(docker);
            while (copy.find()) {
                assertThat(Path.of(copy.group(1))).as(file + " copies " + copy.group(1)).exists();
            }
        }
    }

    private static TopicRegistry registry(ConfigMap config) {
        Map<String, String> s = new HashMap<>();
        s.put("clipguard.topics.partitions", config.getData().get("CLIPGUARD_TOPICS_PARTITIONS"));
        s.put("clipguard.topics.replication-factor", config.getData().get("CLIPGUARD_TOPICS_REPLICATION_FACTOR"));
        return TopicRegistry.from(Settings.load(s).app().topics());
    }

    /** Kafka's operation name as Strimzi writes it: READ -> Read, DESCRIBE_CONFIGS -> DescribeConfigs. */
    private static String strimzi(String kafka) {
        StringBuilder out = new StringBuilder();
        for (String part : kafka.split("_")) {
            out.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
        }
        return out.toString();
    }

    private static EnvVar env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no env " + name));
    }

    private static String mount(Container c, String volume) {
        return c.getVolumeMounts().stream().filter(m -> m.getName().equals(volume)).findFirst().orElseThrow().getMountPath();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    private static <T> T one(String file, Class<T> type) throws IOException {
        List<T> docs = all(file, type);
        assertThat(docs).as(file).hasSize(1);
        return docs.get(0);
    }

    private static <T> List<T> all(String file, Class<T> type) throws IOException {
        try (MappingIterator<T> it = YAML.readerFor(type).readValues(K8S.resolve(file).toFile())) {
            return it.readAll().stream().filter(Objects::nonNull).toList();
        }
    }
}
