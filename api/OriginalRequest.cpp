#include "api/OriginalRequest.h"

namespace keywarden::api {

using engine::RequestTarget;
using Refusal = RequestTarget::Refusal;

namespace {

// One header the gateway may set: where its value is and how often it came.
struct Seen {
  const std::string_view* value = nullptr;
  int count = 0;
  void add(const std::string_view& v) {
    if (count++ == 0) value = &v;
  }
  bool present() const { return value != nullptr; }
};

// The headers of a forward-auth call that say (or would alter) which method and path it is for.
struct Headers {
  Seen origUri, origMethod, fwdUri, fwdMethod;
  bool methodOverride = false, pathOverride = false;
};

Headers scan(const HeaderFields& fields) {
  auto is = HeaderFields::cgiNameIs;  // as CGI-style servers see names ('_' read as '-')
  Headers h;
  for (const HeaderField& f : fields) {
    const std::string_view& name = f.name;
    if (name.size() < 13 || name.size() > 22) continue;  // cheap filter: all are 13–22 long
    if (is(name, "X-Original-URI"))
      h.origUri.add(f.value);
    else if (is(name, "X-Original-Method"))
      h.origMethod.add(f.value);
    else if (is(name, "X-Forwarded-Uri"))
      h.fwdUri.add(f.value);
    else if (is(name, "X-Forwarded-Method"))
      h.fwdMethod.add(f.value);
    else if (is(name, "X-HTTP-Method-Override") || is(name, "X-HTTP-Method") ||
             is(name, "X-Method-Override"))
      h.methodOverride = true;
    else if (is(name, "X-Original-URL") || is(name, "X-Rewrite-URL"))
      h.pathOverride = true;
  }
  return h;
}

// Refuses (returns true) a header sent twice or one that overrides the method or path.
bool refusedHeaders(const Headers& h, RequestTarget& target) {
  if (h.origUri.count > 1 || h.origMethod.count > 1 || h.fwdUri.count > 1 ||
      h.fwdMethod.count > 1) {
    target.refuse(Refusal::ConflictingHeaders,
                  "an X-Original-* or X-Forwarded-* header sent more than once");
    return true;
  }
  // The client's own headers reach us through nginx and Traefik; upstream frameworks that
  // honour these would serve another method or path than the one judged.
  if (h.methodOverride) {
    target.refuse(Refusal::AmbiguousMethod,
                  "a method-override header (X-HTTP-Method-Override, X-HTTP-Method, "
                  "X-Method-Override)");
    return true;
  }
  if (h.pathOverride) {
    target.refuse(Refusal::AmbiguousPath, "a path-override header (X-Original-URL, X-Rewrite-URL)");
    return true;
  }
  return false;
}

}  // namespace

void OriginalRequest::read(const Poco::Net::HTTPRequest& req, RequestTarget& target) {
  const std::vector<HeaderField> fields = HeaderFields::of(req);
  read(req.getMethod(), req.getURI(), HeaderFields(fields.data(), fields.size()), target);
}

void OriginalRequest::read(std::string_view ownMethod, std::string_view ownUri, HeaderFields fields,
                           RequestTarget& target) {
  const Headers h = scan(fields);
  if (refusedHeaders(h, target)) return;
  const Seen &origUri = h.origUri, &origMethod = h.origMethod, &fwdUri = h.fwdUri,
             &fwdMethod = h.fwdMethod;

  // The raw target after the prefix, as the gateway appended it (Envoy); nothing: "/".
  std::string_view own = ownUri;
  bool ownGiven = false;
  if (own.substr(0, kPrefix.size()) != kPrefix)
    return target.refuse(Refusal::AmbiguousPath, "the forward-auth request is not origin-form");
  own.remove_prefix(kPrefix.size());
  if (own.empty() || own[0] == '?')
    own = "/";
  else
    ownGiven = true;

  std::string_view uri, method;
  const Seen* chosenUri = nullptr;
  const Seen* chosenMethod = nullptr;
  if (origUri.present()) {
    chosenUri = &origUri;
    chosenMethod = &origMethod;
  } else if (fwdUri.present()) {
    chosenUri = &fwdUri;
    chosenMethod = &fwdMethod;
  }
  if (chosenUri != nullptr) {
    if (!chosenMethod->present())
      return target.refuse(Refusal::AmbiguousMethod,
                           chosenUri == &origUri ? "X-Original-URI without X-Original-Method"
                                                 : "X-Forwarded-Uri without X-Forwarded-Method");
    uri = *chosenUri->value;
    method = *chosenMethod->value;
    if (ownGiven && own != uri)
      return target.refuse(Refusal::ConflictingHeaders,
                           "the path after /v1/gateway/auth differs from the URI header");
  } else {
    uri = own;
    method = ownMethod;
  }
  for (const Seen* s : {&origUri, &fwdUri})
    if (s != chosenUri && s->present() && *s->value != uri)
      return target.refuse(Refusal::ConflictingHeaders,
                           "X-Original-URI and X-Forwarded-Uri differ");
  for (const Seen* s : {&origMethod, &fwdMethod})
    if (s != chosenMethod && s->present() && *s->value != method)
      return target.refuse(Refusal::ConflictingHeaders,
                           "a method header differs from the method of the call");
  target.checkMethod(method);
  target.parse(uri);
}

}  // namespace keywarden::api
