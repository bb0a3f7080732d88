package io.clipguard;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleName;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The layering the README's architecture section describes, enforced on the main classes. */
class ArchitectureTest {
    static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.clipguard");
    }

    @Test
    void packagesFormNoCycle() {
        slices().matching("io.clipguard.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void dependenciesPointDown() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("io.clipguard.cli..")
                .layer("api").definedBy("io.clipguard.api..")
                .layer("bench").definedBy("io.clipguard.bench..")
                .layer("loadtest").definedBy("io.clipguard.loadtest..")
                .layer("evaluation").definedBy("io.clipguard.evaluation..")
                .layer("node").definedBy("io.clipguard.node..")
                .layer("live").definedBy("io.clipguard.live..", "io.clipguard.review..")
                .layer("stream").definedBy("io.clipguard.stream..")
                .layer("kafka").definedBy("io.clipguard.kafka..")
                .layer("demo").definedBy("io.clipguard.demo..")
                .layer("moderation").definedBy("io.clipguard.moderation..")
                .layer("domain").definedBy("io.clipguard.policy..", "io.clipguard.clip..", "io.clipguard.image..", "io.clipguard.fetch..")
                .layer("base").definedBy("io.clipguard.error..", "io.clipguard.config..", "io.clipguard.schema..",
                        "io.clipguard.telemetry..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("api").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("bench").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("loadtest").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("evaluation").mayOnlyBeAccessedByLayers("cli", "api")
                .whereLayer("node").mayOnlyBeAccessedByLayers("cli", "api", "bench")
                .whereLayer("live").mayOnlyBeAccessedByLayers("api", "node")
                .whereLayer("stream").mayOnlyBeAccessedByLayers("cli", "api", "bench", "node", "demo", "live", "loadtest")
                .whereLayer("kafka").mayOnlyBeAccessedByLayers("cli", "api", "bench", "node", "stream", "live", "loadtest")
                .whereLayer("moderation").mayOnlyBeAccessedByLayers("cli", "api", "bench", "node", "stream")
                .check(classes);
    }

    @Test
    void theModelSideKnowsNothingOfKafka() {
        noClasses().that().resideInAnyPackage("io.clipguard.clip..", "io.clipguard.image..", "io.clipguard.fetch..",
                        "io.clipguard.policy..", "io.clipguard.moderation..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.kafka..").check(classes);
    }

    @Test
    void theTopologyKnowsNothingOfOnnx() {
        noClasses().that().resideInAnyPackage("io.clipguard.stream..", "io.clipguard.kafka..", "io.clipguard.policy..")
                .should().dependOnClassesThat().resideInAPackage("ai.onnxruntime..").check(classes);
    }

    @Test
    void policiesSeeTheModelOnlyThroughTheirInterfaces() {
        noClasses().that().resideInAPackage("io.clipguard.policy..")
                .should().dependOnClassesThat(not(simpleName("ZeroShot")).and(
                        com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage("io.clipguard.clip..")))
                .because("scoring needs prompt vectors and the logit scale (PromptEncoder), plus the pure zero-shot maths, nothing else")
                .check(classes);
    }

    @Test
    void httpLivesOnlyInTheApi() {
        noClasses().that().resideOutsideOfPackage("io.clipguard.api..")
                .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..", "org.jboss.resteasy..")
                .check(classes);
    }
}
