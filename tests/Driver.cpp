// Runs every CppUnit suite registered in this executable; exits non-zero on any failure.
#include <cppunit/BriefTestProgressListener.h>
#include <cppunit/CompilerOutputter.h>
#include <cppunit/TestResult.h>
#include <cppunit/TestResultCollector.h>
#include <cppunit/TestRunner.h>
#include <cppunit/extensions/TestFactoryRegistry.h>

#include <iostream>

int main(int argc, char** argv) {
  CppUnit::TestResult controller;
  CppUnit::TestResultCollector result;
  controller.addListener(&result);
  CppUnit::BriefTestProgressListener progress;
  controller.addListener(&progress);
  CppUnit::TestRunner runner;
  runner.addTest(CppUnit::TestFactoryRegistry::getRegistry().makeTest());
  runner.run(controller, argc > 1 ? argv[1] : "");
  CppUnit::CompilerOutputter(&result, std::cerr).write();
  int failed = result.testFailuresTotal();
  int total = result.runTests();
  std::cout << (total - failed) << " passed, " << failed << " failed" << std::endl;
  return result.wasSuccessful() ? 0 : 1;
}
