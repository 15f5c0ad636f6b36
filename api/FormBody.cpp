#include "api/FormBody.h"

#include "api/HttpSyntax.h"

#include <Poco/Net/MediaType.h>
#include <Poco/String.h>

#include <algorithm>
#include <istream>

namespace keywarden::api {

namespace {

// A field name as a message may quote it: printable ASCII only, at most 40 characters.
std::string quotable(const std::string& name) {
  std::string out;
  for (char c : name)
    if (c >= 0x20 && c < 0x7F && out.size() < 40) out.push_back(c);
  return "'" + out + "'";
}
}  // namespace

std::optional<FormBody::Problem> FormBody::parse(std::string_view body,
                                                 const std::vector<std::string>& allowed,
                                                 std::map<std::string, std::string>& out) {
  out.clear();
  // The first problem is the answer; the fields after it are read all the same, so the page
  // that names the problem can give back what was typed in the others.
  std::optional<Problem> first;
  auto problem = [&](Problem p) {
    if (!first) first = std::move(p);
  };
  size_t i = 0;
  while (i <= body.size()) {
    size_t amp = body.find('&', i);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view pair = body.substr(i, amp - i);
    i = amp + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string name, value;
    if (!HttpSyntax::formDecode(pair.substr(0, eq), name)) {
      problem({400, "",
               "The form could not be read: a field name holds a '%' that is not "
               "followed by two hexadecimal digits."});
      continue;
    }
    // "name*" in `allowed`: the field may repeat (checkboxes); its values are joined by '\n'.
    bool repeats = std::find(allowed.begin(), allowed.end(), name + "*") != allowed.end();
    if (!repeats && std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      problem({400, "",
               "The form holds a field " + quotable(name) +
                   " that this page does not send. Use the form on this page."});
      continue;
    }
    if (!HttpSyntax::formDecode(
            eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), value)) {
      problem({400, name,
               "The " + name +
                   " could not be read: it holds a '%' that is not "
                   "followed by two hexadecimal digits."});
      continue;
    }
    if (repeats) {
      auto [at, fresh] = out.emplace(name, value);
      if (!fresh) at->second += "\n" + value;
      continue;
    }
    if (!out.emplace(name, value).second)
      problem({400, name, "The form holds the " + name + " twice; send it once."});
  }
  return first;
}

std::optional<FormBody::Problem> FormBody::read(Poco::Net::HTTPServerRequest& req, size_t maxBytes,
                                                const std::vector<std::string>& allowed,
                                                std::map<std::string, std::string>& out) {
  const std::string tooLarge = "The form is larger than " + std::to_string(maxBytes / 1024) +
                               " KB. Shorten the comment and send it again.";
  std::string type = req.get("Content-Type", "");
  bool form = false;
  int types = 0;  // a second Content-Type: the form's encoding cannot be known
  for (auto it = req.find("Content-Type");
       it != req.end() && Poco::icompare(it->first, "Content-Type") == 0; ++it)
    ++types;
  if (types == 1) {
    try {
      Poco::Net::MediaType media(type);
      form = media.matches("application", "x-www-form-urlencoded") &&
             (!media.hasParameter("charset") ||
              Poco::icompare(media.getParameter("charset"), "utf-8") == 0);
    } catch (const Poco::Exception&) {
    }
  }
  std::string body;
  // Neither a length nor chunks: the message has no body (RFC 9112 §6.3).
  bool hasBody = req.getChunkedTransferEncoding() || req.hasContentLength();
  std::istream& in = req.stream();
  auto drain = [&] {
    char buf[16384];
    for (size_t seen = 0; in && seen < 16 * maxBytes; seen += static_cast<size_t>(in.gcount()))
      in.read(buf, sizeof buf);
  };
  if (hasBody && req.hasContentLength() &&
      static_cast<uint64_t>(req.getContentLength64()) > maxBytes) {
    drain();
    return Problem{413, "", tooLarge};
  }
  if (hasBody) {
    char buf[8192];
    while (in) {
      in.read(buf, sizeof buf);
      body.append(buf, static_cast<size_t>(in.gcount()));
      if (body.size() > maxBytes) {
        drain();
        return Problem{413, "", tooLarge};
      }
    }
  }
  if (!form)
    return Problem{415, "",
                   "The form was not sent as application/x-www-form-urlencoded in UTF-8. Use the "
                   "form on this page."};
  return parse(body, allowed, out);
}

}  // namespace keywarden::api
