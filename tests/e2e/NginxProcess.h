#pragma once

// The nginx of the end-to-end tests: the operators' recipes (docs/nginx-example.conf,
// docs/nginx-cache-example.conf) filled in with free loopback ports, and nginx itself in the
// foreground as a child process (NginxProcess). Used by tests/e2e/NginxGatewayTest.cpp.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/HttpClient.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/TempDir.h"

namespace keywarden::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

inline const char* const kNginx = "/usr/sbin/nginx";

// Replaces every `from` in `text` with `to`.
inline std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// Replaces every `{{name}}` in `text` with its value.
inline std::string fill(std::string text,
                        const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [name, value] : values) {
    std::string mark = "{{" + name + "}}";
    for (size_t at = text.find(mark); at != std::string::npos;
         at = text.find(mark, at + value.size()))
      text.replace(at, mark.size(), value);
  }
  return text;
}

// The operator's recipe, in two parts. First the pool of kept-alive connections to Keywarden's
// gateway listener (gateway.port), at the http level: without it nginx opens a new connection
// for every subrequest.
inline const char* const kUpstream = R"(upstream keywarden {
  server {{keywarden}};
  keepalive 32;
  keepalive_timeout 5s;
}
)";

// Then the server: nginx asks Keywarden about every request with auth_request (over the pool:
// HTTP/1.1 and an empty Connection header, set in the auth location itself, since a
// location's own proxy_set_header hides the server's), passes the caller's client id to the
// upstream and shows Keywarden's code on a denial.
inline const char* const kRecipe = R"(server {
  listen {{listen}};

  location / {
    auth_request /_keywarden;
    auth_request_set $kw_client $upstream_http_x_keywarden_client_id;
    auth_request_set $kw_code $upstream_http_x_keywarden_code;
    auth_request_set $kw_reason $upstream_http_x_keywarden_reason;
    proxy_set_header X-Client-Id $kw_client;
    proxy_pass {{upstream}};
    error_page 401 = @denied401;
    error_page 403 = @denied403;
  }

  location = /_keywarden {
    internal;
    proxy_pass http://keywarden/v1/gateway/auth;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_pass_request_body off;
    proxy_set_header Content-Length "";
    proxy_set_header X-Original-URI $request_uri;
    proxy_set_header X-Original-Method $request_method;
    proxy_set_header X-Forwarded-Uri "";
    proxy_set_header X-Forwarded-Method "";
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;  # who the client is (abuse.*)
  }

  location @denied401 {
    add_header X-Keywarden-Code $kw_code always;
    return 401;
  }

  location @denied403 {
    add_header X-Keywarden-Code $kw_code always;
    add_header X-Keywarden-Reason $kw_reason always;
    return 403;
  }
}
)";

// `keywarden` is host:port (gateway.port).
inline std::string upstreamRecipe(const std::string& keywarden) {
  return fill(kUpstream, {{"keywarden", keywarden}});
}

// `upstream` is a URL.
inline std::string gatewayRecipe(const std::string& listen, const std::string& upstream) {
  return fill(kRecipe, {{"listen", listen}, {"upstream", upstream}});
}

// The cache recipe: the same server, whose auth location also keeps Keywarden's answers for as
// long as their Cache-Control allows (only VALID answers about keys without rate limit or
// quota, at most gateway.cacheSeconds). The cache key holds the method, the raw target and
// every header a key may come in, so that no caller is answered for another's key; a request
// carrying a method- or path-override header is never answered from the cache (Keywarden
// refuses those, and a cached answer for the same key and target would let them through).
inline const char* const kCachePath =
    R"(proxy_cache_path {{cacheDir}} keys_zone=keywarden:10m max_size=100m;
)";
inline const char* const kCacheLines = R"(
    proxy_cache keywarden;
    proxy_cache_key "$request_method $request_uri|$http_x_api_key|$http_x_tlm_key|$http_secret|$http_client_key|$http_apikey|$http_authorization|$http_cookie";
    proxy_cache_bypass $http_x_http_method_override$http_x_http_method$http_x_method_override$http_x_original_url$http_x_rewrite_url;
    proxy_no_cache $http_x_http_method_override$http_x_http_method$http_x_method_override$http_x_original_url$http_x_rewrite_url;)";

inline std::string cachePath(const std::string& dir) {
  return fill(kCachePath, {{"cacheDir", dir}});
}

inline std::string cacheRecipe(const std::string& listen, const std::string& upstream) {
  std::string r = gatewayRecipe(listen, upstream);
  const std::string after =
      "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;  # who the client is (abuse.*)";
  r.insert(r.find(after) + after.size(), kCacheLines);
  return r;
}

// Test-only wrapping: everything nginx writes stays in {{dir}}; a static upstream on
// {{upstreamPort}} echoes the X-Client-Id it received.
inline const char* const kTestConf = R"({{user}}worker_processes 1;
pid {{dir}}/nginx.pid;
error_log {{dir}}/error.log info;
events { worker_connections 128; }
http {
  access_log {{dir}}/access.log;
  client_body_temp_path {{dir}}/client_body_temp;
  proxy_temp_path {{dir}}/proxy_temp;
  fastcgi_temp_path {{dir}}/fastcgi_temp;
  uwsgi_temp_path {{dir}}/uwsgi_temp;
  scgi_temp_path {{dir}}/scgi_temp;

{{upstreamRecipe}}
{{cachePath}}
{{recipe}}
{{filesRecipe}}
{{cacheRecipe}}
  server {
    listen 127.0.0.1:{{upstreamPort}};
    location / { return 200 "upstream client=$http_x_client_id\n"; }
  }
}
)";

// The recipe a second time, on `filesPort`, in front of the file server on `fileServerPort`.
inline std::string testConf(const std::string& dir, int port, int keywardenPort, int upstreamPort,
                            int filesPort, int fileServerPort, int cachePort) {
  std::string upstream = std::to_string(upstreamPort);
  std::string keywarden = "127.0.0.1:" + std::to_string(keywardenPort);
  return fill(kTestConf,
              {{"user", geteuid() == 0 ? "user root;\n" : ""},
               {"dir", dir},
               {"upstreamPort", upstream},
               {"upstreamRecipe", upstreamRecipe(keywarden)},
               {"recipe",
                gatewayRecipe("127.0.0.1:" + std::to_string(port), "http://127.0.0.1:" + upstream)},
               {"filesRecipe", gatewayRecipe("127.0.0.1:" + std::to_string(filesPort),
                                             "http://127.0.0.1:" + std::to_string(fileServerPort))},
               {"cachePath", cachePath(dir + "/cache")},
               {"cacheRecipe", cacheRecipe("127.0.0.1:" + std::to_string(cachePort),
                                           "http://127.0.0.1:" + upstream)}});
}

// nginx in the foreground as a child process; stop() always reaps it.
class NginxProcess {
 public:
  NginxProcess()
      : _dir("kwnginx"), _port(freePort()), _filesPort(freePort()), _cachePort(freePort()) {}
  ~NginxProcess() { stop(); }

  void start(int keywardenPort, int fileServerPort) {
    std::string conf = _dir.file("nginx.conf");
    std::string text = testConf(_dir.path(), _port, keywardenPort, freePort(), _filesPort,
                                fileServerPort, _cachePort);
    // Test-only directives for the auth locations (such as proxy_bind), after their proxy_pass.
    if (!authExtra.empty())
      text = replaceAll(text, "proxy_pass http://keywarden/v1/gateway/auth;",
                        "proxy_pass http://keywarden/v1/gateway/auth; " + authExtra);
    writeFile(conf, text);
    std::string out = _dir.file("nginx.out");
    _pid = fork();
    if (_pid < 0) throw std::runtime_error("fork failed");
    if (_pid == 0) {
      FILE* f = freopen(out.c_str(), "a", stdout);
      if (f != nullptr) dup2(fileno(stdout), 2);
      execl(kNginx, kNginx, "-p", _dir.path().c_str(), "-c", conf.c_str(), "-e",
            _dir.file("error.log").c_str(), "-g", "daemon off;", static_cast<char*>(nullptr));
      _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(_pid, &status, WNOHANG) == _pid) {
        _pid = -1;
        throw std::runtime_error("nginx exited at start-up:\n" + log());
      }
      try {
        if (client().request("GET", "/").status > 0) return;  // any answer, even 401, is ready
      } catch (...) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop();
    throw std::runtime_error("nginx did not answer within 10 s:\n" + log());
  }

  void stop() {
    if (_pid <= 0) return;
    kill(_pid, SIGTERM);
    int status = 0;
    bool reaped = false;
    for (int i = 0; i < 100 && !reaped; ++i) {  // up to 5 s for a clean exit
      reaped = waitpid(_pid, &status, WNOHANG) == _pid;
      if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!reaped) {
      kill(_pid, SIGKILL);
      waitpid(_pid, &status, 0);
    }
    _pid = -1;
  }

  HttpClient client() const { return HttpClient("127.0.0.1", _port); }
  // Added to every auth location by start() (test-only nginx directives).
  std::string authExtra;
  // The recipe in front of the file server.
  HttpClient filesClient() const { return HttpClient("127.0.0.1", _filesPort); }
  HttpClient cacheClient() const { return HttpClient("127.0.0.1", _cachePort); }
  std::string log() const {
    return readFile(_dir.file("nginx.out")) + readFile(_dir.file("error.log"));
  }

 private:
  TempDir _dir;
  int _port;
  int _filesPort;
  int _cachePort;
  pid_t _pid = -1;
};

}  // namespace keywarden::test
