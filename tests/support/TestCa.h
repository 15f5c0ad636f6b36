#pragma once

#include <string>

#include "tests/support/TempDir.h"

namespace keywarden::test {

// A throw-away certificate authority made with the openssl command in a temporary directory,
// issuing server certificates for the names a test chooses. Not thread-safe.
class TestCa {
 public:
  TestCa();
  // The CA certificate (PEM), for smtp.caFile.
  std::string caFile() const { return _dir.file("ca.pem"); }
  // Issues a server certificate for `subjectAltName` (openssl syntax:
  // "IP:127.0.0.1,DNS:localhost") under `name`; returns {certificate, private key} paths.
  std::pair<std::string, std::string> issue(const std::string& name,
                                            const std::string& subjectAltName);

 private:
  TempDir _dir;
};

}  // namespace keywarden::test
