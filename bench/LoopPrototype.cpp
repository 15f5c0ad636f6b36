// The event-loop prototypes of issue 14, compared on the benchmark (bench/README.md "Choosing
// the gateway listener's event loop"): the same request reading (api/gateway/GatewayConnection:
// RawHeaderCheck, RequestFraming, deadlines, keep-alive, pipelining) under two event-loop
// libraries, answering 204 to everything without a check, so that only the loop differs:
//   libevent  — api/gateway/GatewayListener itself (libevent 2.1: one event_base per thread, one
//               listening socket watched by every loop), with a stub in place of the API;
//   asio      — Boost.Asio 1.74: one io_context per thread, each with its own SO_REUSEPORT
//               acceptor, async_read_some/async_write and a steady_timer per connection.
// Usage: loop_prototype libevent|asio PORT [LOOPS]   (LOOPS 0 = one per core)
#include <signal.h>

#include <boost/asio.hpp>

#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/gateway/GatewayConnection.h"
#include "api/gateway/GatewayListener.h"

using keywarden::api::GatewayAnswer;
using keywarden::api::GatewayCall;
using keywarden::api::gateway::GatewayConnection;
using keywarden::api::gateway::GatewayEndpoints;
using keywarden::api::gateway::GatewayLimits;

namespace {
class NoContent : public GatewayEndpoints {
 public:
  void answer(const GatewayCall&, bool, GatewayAnswer& out) override { out.setStatus(204); }
};

int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace asio = boost::asio;
using asio::ip::tcp;

struct DateCache {
  char text[64] = {0};
  size_t length = 0;
  time_t second = 0;
  std::string_view now() {
    time_t t = time(nullptr);
    if (t != second) {
      struct tm tm;
      gmtime_r(&t, &tm);
      length = strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
      second = t;
    }
    return {text, length};
  }
};

class AsioConnection : public std::enable_shared_from_this<AsioConnection> {
 public:
  AsioConnection(tcp::socket s, GatewayEndpoints& e, const GatewayLimits& l, DateCache& d)
      : _socket(std::move(s)), _timer(_socket.get_executor()), _http(e, l, steadyMs()), _date(d) {}
  void start() {
    arm();
    read();
  }

 private:
  void arm() {
    if (_http.deadline() == _armed) return;
    _armed = _http.deadline();
    _timer.expires_after(std::chrono::milliseconds(std::max<int64_t>(0, _armed - steadyMs())));
    auto self = shared_from_this();
    _timer.async_wait([self](boost::system::error_code ec) {
      if (ec) return;
      if (steadyMs() < self->_http.deadline()) {
        self->_armed = 0;
        return self->arm();
      }
      boost::system::error_code ignored;
      self->_socket.close(ignored);
    });
  }
  void read() {
    size_t old = _in.size();
    _in.resize(old + 16384);
    auto self = shared_from_this();
    _socket.async_read_some(
        asio::buffer(&_in[old], 16384), [self, old](boost::system::error_code ec, size_t n) {
          self->_in.resize(old + n);
          if (ec) return self->close();
          size_t used = self->_http.onInput(self->_in.data(), self->_in.size(), steadyMs(),
                                            self->_date.now(), self->_out);
          self->_in.erase(0, used);
          if (self->_out.empty()) {
            self->arm();
            return self->read();
          }
          self->write();
        });
  }
  void write() {
    auto self = shared_from_this();
    _sending.swap(_out);
    asio::async_write(_socket, asio::buffer(_sending),
                      [self](boost::system::error_code ec, size_t) {
                        self->_sending.clear();
                        if (ec || self->_http.closing()) return self->close();
                        self->arm();
                        self->read();
                      });
  }
  void close() {
    boost::system::error_code ignored;
    _timer.cancel();
    _socket.close(ignored);
  }

  tcp::socket _socket;
  asio::steady_timer _timer;
  GatewayConnection _http;
  DateCache& _date;
  std::string _in, _out, _sending;
  int64_t _armed = 0;
};

struct AsioLoop {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  DateCache date;
  GatewayEndpoints* endpoints = nullptr;
  const GatewayLimits* limits = nullptr;
  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (!ec) {
        s.set_option(tcp::no_delay(true));
        std::make_shared<AsioConnection>(std::move(s), *endpoints, *limits, date)->start();
      }
      accept();
    });
  }
};

int runAsio(int port, int loops, GatewayEndpoints& endpoints, const GatewayLimits& limits) {
  std::vector<std::unique_ptr<AsioLoop>> all;
  std::vector<std::thread> threads;
  tcp::endpoint at(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  for (int i = 0; i < loops; ++i) {
    auto l = std::make_unique<AsioLoop>();
    l->endpoints = &endpoints;
    l->limits = &limits;
    l->acceptor.open(at.protocol());
    l->acceptor.set_option(tcp::acceptor::reuse_address(true));
    int one = 1;
    setsockopt(l->acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    l->acceptor.bind(at);
    l->acceptor.listen(4096);
    l->accept();
    all.push_back(std::move(l));
  }
  for (auto& l : all) threads.emplace_back([&io = l->io] { io.run(); });
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int sig = 0;
  sigwait(&signals, &sig);
  for (auto& l : all) l->io.stop();
  for (auto& t : threads) t.join();
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: loop_prototype libevent|asio PORT [LOOPS]\n";
    return 2;
  }
  std::string which = argv[1];
  int port = std::atoi(argv[2]);
  int loops = argc > 3 ? std::atoi(argv[3]) : 0;
  if (loops <= 0) loops = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  NoContent endpoints;
  GatewayLimits limits;
  if (which == "asio") return runAsio(port, loops, endpoints, limits);
  if (which != "libevent") {
    std::cerr << "loop_prototype: unknown loop '" << which << "'\n";
    return 2;
  }
  keywarden::api::gateway::GatewayListener listener(
      endpoints, limits, keywarden::api::gateway::GatewayListener::listenOn("127.0.0.1", port),
      loops);
  listener.start();
  int sig = 0;
  sigwait(&signals, &sig);
  listener.stop();
  return 0;
}
