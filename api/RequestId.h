#pragma once

#include <string>
#include <string_view>

namespace keywarden::api {

// The request id of the request the calling thread is handling: taken from the client's
// `X-Request-Id` when it is 1–128 characters of [A-Za-z0-9._:-] (anything else is replaced,
// never echoed), otherwise made here (16 hex digits: a per-process random half and a counter;
// an id, not a secret). HttpApi sets it for the length of each request and sends it back as
// `X-Request-Id` on every answer; the JSON log formatter (app/JsonLogFormatter) writes it on
// every line logged while the request runs. Thread-safe: the current id is thread-local.
class RequestId {
 public:
  // The id to use for a request whose X-Request-Id header is `given` ("" when absent).
  static std::string choose(std::string_view given);
  static bool acceptable(std::string_view given);
  // choose() without allocating (the gateway listener's hot path): `given` itself when
  // acceptable, else an id made into `buf`.
  static std::string_view chooseInto(std::string_view given, char (&buf)[16]);
  // The calling thread's current request id, or "" outside a request.
  static const std::string& current();

  // Sets the calling thread's current id until destroyed.
  class Scope {
   public:
    explicit Scope(std::string id);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    std::string _previous;
  };

  // Sets the calling thread's current id until destroyed, then clears it; allocates nothing
  // once the thread's id has grown to 128 characters (for threads that handle one request at
  // a time and hold no other Scope: the gateway listener's loops and workers).
  class Borrowed {
   public:
    explicit Borrowed(std::string_view id);
    ~Borrowed();
    Borrowed(const Borrowed&) = delete;
    Borrowed& operator=(const Borrowed&) = delete;
  };
};

}  // namespace keywarden::api
