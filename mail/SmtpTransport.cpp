#include "mail/SmtpTransport.h"

#include <Poco/Timestamp.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "mail/MimeEncoding.h"

namespace keywarden::mail {

namespace {
std::once_flag curlReady;

struct Upload {
  const std::string* bytes = nullptr;
  size_t at = 0;
};

size_t readUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t n = std::min(size * count, u->bytes->size() - u->at);
  std::memcpy(buffer, u->bytes->data() + u->at, n);
  u->at += n;
  return n;
}

// Keeps the server's last reply lines for the error message. Only what the server sent is looked
// at: what we send holds the password (AUTH) and the body (a key).
int keepReplies(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  if (type != CURLINFO_HEADER_IN) return 0;
  std::string line;
  for (size_t i = 0; i < size && line.size() < 200; ++i) {
    unsigned char c = static_cast<unsigned char>(data[i]);
    if (c == '\r' || c == '\n') break;
    line += (c >= 32 && c < 127) ? static_cast<char>(c) : '?';
  }
  auto* replies = static_cast<std::vector<std::string>*>(user);
  if (!line.empty()) replies->push_back(line);
  if (replies->size() > 16) replies->erase(replies->begin());
  return 0;
}

std::string percentEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// One SMTP session: a libcurl easy handle, whose connection libcurl keeps open between mails.
class Session {
 public:
  Session(const SmtpSettings& s, const std::string& greeting) : _s(s), _h(curl_easy_init()) {
    if (!_h) throw TransportError(where() + ": cannot start an SMTP session", true);
    std::string host = _s.host.find(':') != std::string::npos ? "[" + _s.host + "]" : _s.host;
    _url = "smtp://" + host + ":" + std::to_string(_s.port) + "/" + percentEncode(greeting);
    _errors[0] = 0;
    curl_easy_setopt(_h, CURLOPT_URL, _url.c_str());
    curl_easy_setopt(_h, CURLOPT_PROTOCOLS_STR, "smtp");
    curl_easy_setopt(_h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(_h, CURLOPT_ERRORBUFFER, _errors);
    curl_easy_setopt(_h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(_s.timeoutMs));
    curl_easy_setopt(_h, CURLOPT_SERVER_RESPONSE_TIMEOUT,
                     std::max(1L, static_cast<long>(_s.timeoutMs / 1000)));
    curl_easy_setopt(_h, CURLOPT_TIMEOUT_MS, static_cast<long>(_s.mailTimeoutMs));
    curl_easy_setopt(_h, CURLOPT_MAIL_FROM, ("<" + _s.from + ">").c_str());
    curl_easy_setopt(_h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(_h, CURLOPT_READFUNCTION, readUpload);
    curl_easy_setopt(_h, CURLOPT_READDATA, &_upload);
    curl_easy_setopt(_h, CURLOPT_VERBOSE, 1L);  // only for keepReplies: nothing goes to stderr
    curl_easy_setopt(_h, CURLOPT_DEBUGFUNCTION, keepReplies);
    curl_easy_setopt(_h, CURLOPT_DEBUGDATA, &_replies);
    if (_s.starttls) {
      curl_easy_setopt(_h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
      curl_easy_setopt(_h, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt(_h, CURLOPT_SSL_VERIFYHOST, 2L);
      curl_easy_setopt(_h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
      if (!_s.caFile.empty()) curl_easy_setopt(_h, CURLOPT_CAINFO, _s.caFile.c_str());
    } else {
      curl_easy_setopt(_h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_NONE));
    }
    if (!_s.user.empty()) {
      curl_easy_setopt(_h, CURLOPT_USERNAME, _s.user.c_str());
      curl_easy_setopt(_h, CURLOPT_PASSWORD, _s.password.c_str());
      // libcurl takes PLAIN before LOGIN when both are offered; neither reads challenge text.
      curl_easy_setopt(_h, CURLOPT_LOGIN_OPTIONS, "AUTH=PLAIN;AUTH=LOGIN");
    }
  }
  ~Session() {
    curl_easy_cleanup(_h);  // QUIT
    curl_slist_free_all(_rcpt);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  std::optional<TransportError> send(const std::string& to, const std::string& bytes) {
    curl_slist_free_all(_rcpt);
    _rcpt = curl_slist_append(nullptr, ("<" + to + ">").c_str());
    curl_easy_setopt(_h, CURLOPT_MAIL_RCPT, _rcpt);
    _upload = Upload{&bytes, 0};
    curl_easy_setopt(_h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(bytes.size()));
    _errors[0] = 0;
    _replies.clear();
    CURLcode rc = curl_easy_perform(_h);
    if (rc == CURLE_OK) return std::nullopt;
    long reply = 0;
    curl_easy_getinfo(_h, CURLINFO_RESPONSE_CODE, &reply);
    std::string what =
        where() + ": " + (_errors[0] ? std::string(_errors) : curl_easy_strerror(rc));
    // The reply that failed the mail, not the one to the QUIT libcurl sends after it.
    for (auto it = _replies.rbegin(); reply >= 400 && it != _replies.rend(); ++it) {
      if (it->rfind(std::to_string(reply), 0) == 0) {
        what += " (the server said: " + *it + ")";
        break;
      }
    }
    bool temporary;
    if (reply >= 500 && reply < 600)
      temporary = false;  // RFC 5321 §4.2.1: a permanent negative reply
    else if (reply >= 400 && reply < 500)
      temporary = true;
    else
      temporary = rc != CURLE_USE_SSL_FAILED;  // STARTTLS required but not offered: final
    return TransportError(what, temporary);
  }

  std::string where() const { return "SMTP server " + _s.host + ":" + std::to_string(_s.port); }

 private:
  const SmtpSettings& _s;
  CURL* _h;
  std::string _url;
  curl_slist* _rcpt = nullptr;
  Upload _upload;
  std::vector<std::string> _replies;
  char _errors[CURL_ERROR_SIZE];
};

int64_t nowMs() {
  return Poco::Timestamp().epochMicroseconds() / 1000;
}

// The bracketed literal of the local address the kernel would use toward host:port (a UDP
// socket's connect() sends nothing), or "" when that cannot be told.
std::string localAddressLiteral(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found)
    return "";
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(found, freeaddrinfo);
  int fd = socket(found->ai_family, SOCK_DGRAM, 0);
  if (fd < 0) return "";
  std::string out;
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  if (connect(fd, found->ai_addr, found->ai_addrlen) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
    char text[INET6_ADDRSTRLEN] = {0};
    if (local.ss_family == AF_INET &&
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&local)->sin_addr, text, sizeof text))
      out = std::string("[") + text + "]";
    else if (local.ss_family == AF_INET6 &&
             inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr, text,
                       sizeof text))
      out = std::string("[IPv6:") + text + "]";
  }
  close(fd);
  return out;
}
}  // namespace

SmtpTransport::SmtpTransport(SmtpSettings settings)
    : _s(std::move(settings)), _composer(_s.from, _s.fromName) {
  std::call_once(curlReady, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string SmtpTransport::greetingName() const {
  if (!_s.heloName.empty()) return _s.heloName;
  char name[256] = {0};
  if (gethostname(name, sizeof name - 1) == 0 && MimeEncoding::isGreetingName(name)) return name;
  std::string literal = localAddressLiteral(_s.host, _s.port);
  return literal.empty() ? "[127.0.0.1]" : literal;
}

void SmtpTransport::send(const std::string& to, const RenderedMail& mail,
                         const std::string& messageId) {
  sendBatch({OutgoingMail{to, mail, messageId}}, [](size_t, const TransportError* e) {
    if (e) throw *e;
  });
}

void SmtpTransport::sendBatch(const std::vector<OutgoingMail>& mails,
                              const std::function<void(size_t, const TransportError*)>& done) {
  if (mails.empty()) return;
  Session session(_s, greetingName());
  for (size_t i = 0; i < mails.size(); ++i) {
    std::string bytes;
    try {
      bytes = _composer.compose(mails[i].to, mails[i].mail, mails[i].messageId, nowMs());
    } catch (const CompositionError& e) {
      TransportError error(session.where() + ": not sent: " + e.what(), false);
      done(i, &error);
      continue;
    }
    auto error = session.send(mails[i].to, bytes);
    done(i, error ? &*error : nullptr);
  }
}

}  // namespace keywarden::mail
