#include "app/JsonLogFormatter.h"

#include <Poco/DateTimeFormatter.h>

#include "api/LogContext.h"
#include "api/RequestId.h"
#include "engine/text/JsonText.h"

namespace keywarden::app {

namespace {
const char* levelName(Poco::Message::Priority p) {
  switch (p) {
    case Poco::Message::PRIO_FATAL:
      return "fatal";
    case Poco::Message::PRIO_CRITICAL:
      return "critical";
    case Poco::Message::PRIO_ERROR:
      return "error";
    case Poco::Message::PRIO_WARNING:
      return "warning";
    case Poco::Message::PRIO_NOTICE:
      return "notice";
    case Poco::Message::PRIO_INFORMATION:
      return "information";
    case Poco::Message::PRIO_DEBUG:
      return "debug";
    default:
      return "trace";
  }
}

}  // namespace

void JsonLogFormatter::appendString(const std::string& s, std::string& out) {
  engine::JsonText::appendQuoted(out, s);  // the one JSON string rule (RFC 8259 §7)
}

void JsonLogFormatter::format(const Poco::Message& msg, std::string& text) {
  text.reserve(text.size() + msg.getText().size() + 128);
  text += "{\"time\":\"";
  text += Poco::DateTimeFormatter::format(msg.getTime(), "%Y-%m-%dT%H:%M:%S.%iZ");
  text += "\",\"level\":\"";
  text += levelName(msg.getPriority());
  text += "\",\"logger\":";
  appendString(msg.getSource(), text);
  text += ",\"message\":";
  appendString(msg.getText(), text);
  const std::string& rid = api::RequestId::current();
  if (!rid.empty()) {
    text += ",\"requestId\":";
    appendString(rid, text);
  }
  if (!api::LogContext::keyId().empty()) {
    text += ",\"keyId\":";
    appendString(api::LogContext::keyId(), text);
  }
  if (!api::LogContext::tenant().empty()) {
    text += ",\"tenant\":";
    appendString(api::LogContext::tenant(), text);
  }
  if (!msg.getThread().empty()) {
    text += ",\"thread\":";
    appendString(msg.getThread(), text);
  }
  text += "}";
}

}  // namespace keywarden::app
