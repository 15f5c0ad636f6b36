#pragma once

#include <Poco/Net/HTTPServerRequest.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keywarden::api {

// A request body of type application/x-www-form-urlencoded (HTML §4.10.21.6, WHATWG URL
// §5.1), read strictly: what a browser submitting our own form would never send — a broken
// percent-escape, a field given twice, a field the form does not have, another media type — is
// a Problem naming the field, never a guess. Values are raw bytes (UTF-8 is the caller's check).
// Stateless; thread-safe.
class FormBody {
 public:
  struct Problem {
    int status = 400;   // 400, 413 (too large) or 415 (not a form)
    std::string field;  // the field at fault, or "" for the form as a whole
    std::string message;
  };

  // Reads the body of `req` (at most `maxBytes`; a larger body is drained up to a bound and
  // answered 413) and parses it into `out`. Only the names in `allowed` may appear, once each;
  // a name listed as "name*" may appear any number of times (checkboxes), its values joined by
  // '\n' in out["name"]. With a Problem, `out` still holds every field that could be read
  // (the first value of a field given twice), so a page can give back what was typed.
  static std::optional<Problem> read(Poco::Net::HTTPServerRequest& req, size_t maxBytes,
                                     const std::vector<std::string>& allowed,
                                     std::map<std::string, std::string>& out);
  static std::optional<Problem> parse(std::string_view body,
                                      const std::vector<std::string>& allowed,
                                      std::map<std::string, std::string>& out);
};

}  // namespace keywarden::api
