#include "tests/support/TestCa.h"

#include <cstdlib>
#include <stdexcept>

namespace keywarden::test {

namespace {
void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
    throw std::runtime_error("failed: " + command);
}
const char* kKey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
}  // namespace

TestCa::TestCa() : _dir("kwca") {
  run("openssl req -x509 " + std::string(kKey) + " -keyout " + _dir.file("ca.key") + " -out " +
      _dir.file("ca.pem") + " -days 2 -subj '/CN=Keywarden Test CA' -addext " +
      "'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'");
}

std::pair<std::string, std::string> TestCa::issue(const std::string& name,
                                                  const std::string& subjectAltName) {
  std::string base = _dir.file(name);
  writeFile(base + ".cnf", "subjectAltName=" + subjectAltName +
                               "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                               "keyUsage=critical,digitalSignature\n");
  run("openssl req " + std::string(kKey) + " -keyout " + base + ".key -out " + base +
      ".csr -subj '/CN=" + name + "'");
  run("openssl x509 -req -in " + base + ".csr -CA " + _dir.file("ca.pem") + " -CAkey " +
      _dir.file("ca.key") + " -CAcreateserial -days 2 -out " + base + ".pem -extfile " + base +
      ".cnf");
  return {base + ".pem", base + ".key"};
}

}  // namespace keywarden::test
