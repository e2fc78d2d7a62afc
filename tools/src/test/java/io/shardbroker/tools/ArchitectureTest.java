package io.shardbroker.tools;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rules of the whole code base, checked on its compiled classes (every module's, the tools
 * included: this module sees them all). A package cycle, or a role that reaches into another,
 * fails the build here with the classes that break the rule.
 */
class ArchitectureTest {

  private static JavaClasses all;

  @BeforeAll
  static void importClasses() {
    all = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.shardbroker");
  }

  @Test
  void noPackageDependsOnItselfThroughOthers() {
    slices().matching("io.shardbroker.(**)").should().beFreeOfCycles().check(all);
  }

  @Test
  void rolesNeverImportEachOther() {
    noClasses().that().resideInAPackage("io.shardbroker.agent..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.shardbroker.concentrator..", "io.shardbroker.broker..", "io.shardbroker.store..")
        .check(all);
    noClasses().that().resideInAPackage("io.shardbroker.concentrator..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.shardbroker.agent..", "io.shardbroker.broker..", "io.shardbroker.store..")
        .check(all);
    noClasses().that().resideInAPackage("io.shardbroker.broker..")
        .should().dependOnClassesThat().resideInAnyPackage("io.shardbroker.agent..", "io.shardbroker.concentrator..")
        .check(all);
  }

  @Test
  void theProductNeverReachesForTheTools() {
    noClasses().that().resideOutsideOfPackage("io.shardbroker.tools..")
        .should().dependOnClassesThat().resideInAPackage("io.shardbroker.tools..")
        .check(all);
  }
}
