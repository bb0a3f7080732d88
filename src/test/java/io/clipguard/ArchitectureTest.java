package io.clipguard;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleName;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.clipguard.app.ClipGuardNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The house rules of the README's package map, enforced on the main classes: capabilities own
 * their domain code and keep Kafka in a {@code kafka} sub-package; dependencies point from the
 * edges (cli, api, tools) through the composition root (app) down to the capabilities and the
 * base; no two packages depend on each other.
 */
class ArchitectureTest {
    static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.clipguard");
    }

    @Test
    void noTwoPackagesDependOnEachOther() {
        slices().matching("io.clipguard.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void capabilitiesFormNoCycle() {
        slices().matching("io.clipguard.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void dependenciesPointFromTheEdgesToTheBase() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("io.clipguard.cli..")
                .layer("api").definedBy("io.clipguard.api..")
                .layer("tools").definedBy("io.clipguard.tools..")
                .layer("app").definedBy("io.clipguard.app..")
                .layer("evaluation").definedBy("io.clipguard.evaluation..")
                .layer("insight").definedBy("io.clipguard.insight..")
                .layer("moderation").definedBy("io.clipguard.moderation..")
                .layer("bank").definedBy("io.clipguard.bank..")
                .layer("policy").definedBy("io.clipguard.policy..")
                .layer("kafka").definedBy("io.clipguard.kafka..")
                .layer("model").definedBy("io.clipguard.clip..", "io.clipguard.image..", "io.clipguard.fetch..", "io.clipguard.pdq..")
                .layer("base").definedBy("io.clipguard.error..", "io.clipguard.config..", "io.clipguard.schema..", "io.clipguard.telemetry..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("api").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("tools").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("app").mayOnlyBeAccessedByLayers("cli", "api", "tools")
                .whereLayer("evaluation").mayOnlyBeAccessedByLayers("cli", "api", "tools")
                .whereLayer("insight").mayOnlyBeAccessedByLayers("cli", "api", "tools", "app", "evaluation")
                .whereLayer("moderation").mayOnlyBeAccessedByLayers("cli", "api", "tools", "app", "evaluation", "insight")
                .whereLayer("bank").mayOnlyBeAccessedByLayers("cli", "api", "tools", "app", "evaluation", "insight", "moderation")
                .whereLayer("policy").mayOnlyBeAccessedByLayers("cli", "api", "tools", "app", "evaluation", "insight", "moderation", "bank")
                .whereLayer("kafka").mayOnlyBeAccessedByLayers("cli", "api", "tools", "app", "insight", "moderation", "policy", "bank")
                .check(classes);
    }

    @Test
    void onlyKafkaPackagesAndToolsTalkToKafka() {
        noClasses().that().resideOutsideOfPackages("io.clipguard.kafka..", "io.clipguard.*.kafka..", "io.clipguard.tools..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.kafka..")
                .because("a capability keeps its topology, serdes and topic code in its kafka sub-package").check(classes);
    }

    @Test
    void capabilitiesReachKafkaInfrastructureOnlyFromTheirKafkaSubPackage() {
        noClasses().that().resideInAnyPackage("io.clipguard.moderation", "io.clipguard.policy", "io.clipguard.policy.catalog", "io.clipguard.bank",
                        "io.clipguard.pdq..",
                        "io.clipguard.insight", "io.clipguard.evaluation", "io.clipguard.clip..", "io.clipguard.image..", "io.clipguard.fetch..")
                .should().dependOnClassesThat().resideInAPackage("io.clipguard.kafka..").check(classes);
    }

    @Test
    void onlyTheCompositionRootStartsANode() {
        noClasses().that().resideOutsideOfPackage("io.clipguard.app..")
                .should().callMethodWhere(DescribedPredicate.describe("ClipGuardNode.start",
                        call -> call.getTargetOwner().isEquivalentTo(ClipGuardNode.class) && call.getName().equals("start")))
                .because("a process runs one instance, started through LocalNode").check(classes);
    }

    @Test
    void onnxRuntimeStaysInTheEngine() {
        noClasses().that().resideOutsideOfPackages("io.clipguard.clip..", "io.clipguard.tools..")
                .should().dependOnClassesThat().resideInAPackage("ai.onnxruntime..").check(classes);
    }

    @Test
    void policiesSeeTheModelOnlyThroughTheirInterfaces() {
        noClasses().that().resideInAPackage("io.clipguard.policy..")
                .should().dependOnClassesThat(not(simpleName("ZeroShot")).and(JavaClass.Predicates.resideInAPackage("io.clipguard.clip..")))
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
