package io.picflow.standalone;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The module boundaries, as rules that fail the build when someone crosses them. */
@AnalyzeClasses(packages = "io.picflow", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    private static final DescribedPredicate<JavaClass> AXON_RUNTIME = DescribedPredicate.describe(
            "Axon runtime code (annotations such as @Revision are allowed)",
            type -> type.getPackageName().startsWith("org.axonframework") && !type.isAnnotation());

    @ArchTest
    static final ArchRule query_side_does_not_depend_on_command_side = noClasses()
            .that().resideInAPackage("io.picflow.query..")
            .should().dependOnClassesThat().resideInAPackage("io.picflow.command..");

    @ArchTest
    static final ArchRule command_side_does_not_depend_on_query_side = noClasses()
            .that().resideInAPackage("io.picflow.command..")
            .should().dependOnClassesThat().resideInAPackage("io.picflow.query..");

    @ArchTest
    static final ArchRule shared_events_depend_on_no_framework_or_database = noClasses()
            .that().resideInAPackage("io.picflow.events..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "org.springframework..", "java.sql..", "javax.sql..", "jakarta..", "org.postgresql..",
                    "org.flywaydb..", "tools.jackson.databind..", "io.picflow.platform..", "io.picflow.command..",
                    "io.picflow.query..")
            .orShould().dependOnClassesThat(AXON_RUNTIME);

    @ArchTest
    static final ArchRule platform_knows_neither_side = noClasses()
            .that().resideInAPackage("io.picflow.platform..")
            .should().dependOnClassesThat().resideInAnyPackage("io.picflow.command..", "io.picflow.query..");
}
