#pragma once

#include <string>
#include <string_view>

namespace keywarden::api {

// The key and tenant a log line written on the calling thread is about (issue 17 "Logs": the
// JSON log formatter, app/JsonLogFormatter, writes them as "keyId" and "tenant" when set). Only
// ids: never a key or a token. Set around the lines that concern one key (a refused check);
// the check path sets nothing while it answers. Thread-safe: the values are thread-local.
class LogContext {
 public:
  // "" when not set.
  static const std::string& keyId();
  static const std::string& tenant();

  // Sets the calling thread's key id and tenant until destroyed, then restores the previous.
  class Scope {
   public:
    Scope(std::string_view keyId, std::string_view tenant);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    std::string _keyId, _tenant;
  };
};

}  // namespace keywarden::api
