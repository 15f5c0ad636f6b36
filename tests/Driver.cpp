// Runs every CppUnit suite registered in this executable; exits non-zero on any failure.
// `driver Name` runs only the suite or test Name; `driver -Name [-Other …]` runs all suites but
// the ones named.
#include <cppunit/BriefTestProgressListener.h>
#include <cppunit/CompilerOutputter.h>
#include <cppunit/TestResult.h>
#include <cppunit/TestResultCollector.h>
#include <cppunit/TestRunner.h>
#include <cppunit/extensions/TestFactoryRegistry.h>

#include <cppunit/TestSuite.h>

#include <iostream>
#include <set>
#include <string>

int main(int argc, char** argv) {
  CppUnit::TestResult controller;
  CppUnit::TestResultCollector result;
  controller.addListener(&result);
  CppUnit::BriefTestProgressListener progress;
  controller.addListener(&progress);
  CppUnit::TestRunner runner;
  CppUnit::Test* all = CppUnit::TestFactoryRegistry::getRegistry().makeTest();
  std::string only = argc > 1 ? argv[1] : "";
  if (!only.empty() && only[0] == '-') {
    std::set<std::string> left;
    for (int a = 1; a < argc; ++a)
      if (argv[a][0] == '-') left.insert(argv[a] + 1);
    auto* kept = new CppUnit::TestSuite("All but " + only.substr(1));
    for (int i = 0; i < all->getChildTestCount(); ++i)
      if (!left.count(all->getChildTestAt(i)->getName())) kept->addTest(all->getChildTestAt(i));
    runner.addTest(kept);  // `all` keeps ownership of the suites it still holds: leaked at exit
    only.clear();
  } else {
    runner.addTest(all);
  }
  runner.run(controller, only);
  CppUnit::CompilerOutputter(&result, std::cerr).write();
  int failed = result.testFailuresTotal();
  int total = result.runTests();
  std::cout << (total - failed) << " passed, " << failed << " failed" << std::endl;
  return result.wasSuccessful() ? 0 : 1;
}
