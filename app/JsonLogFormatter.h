#pragma once

#include <Poco/Formatter.h>
#include <Poco/Message.h>

#include <string>

namespace keywarden::app {

// log.format=json: one JSON object per line (https://jsonlines.org), for log shippers:
//   {"time":"2026-11-30T17:05:09.123Z","level":"warning","logger":"keywarden.mail",
//    "message":"…","requestId":"9f1c…","keyId":"key_…","tenant":"acme","thread":"kw-outbox"}
// time in UTC with milliseconds; requestId only while an HTTP request runs on the thread
// (api/RequestId); keyId and tenant only on lines about one key (api/LogContext); thread only
// when the thread has a name. The message is the same redacted
// text the plain format writes (no key, token, link or secret reaches a log line: LogRedactor).
// Strings are escaped by engine/text/JsonText (RFC 8259 §7; bytes not UTF-8 become U+FFFD).
// Thread-safe (no state).
class JsonLogFormatter : public Poco::Formatter {
 public:
  void format(const Poco::Message& msg, std::string& text) override;
  // Appends `s` as a JSON string (with quotes) to `out`.
  static void appendString(const std::string& s, std::string& out);
};

}  // namespace keywarden::app
