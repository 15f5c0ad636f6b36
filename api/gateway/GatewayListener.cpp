#include "api/gateway/GatewayListener.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <Poco/Logger.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>
#include <stdexcept>

#include "engine/ports/NoBlockingStore.h"

namespace keywarden::api::gateway {

namespace {
int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr int64_t kLingerMs = 1000;  // lingering close after a refusal (as http.port)

void makeNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}
}  // namespace

struct Connection;

struct GatewayListener::Loop {
  GatewayListener* owner = nullptr;
  event_base* base = nullptr;
  event* accept = nullptr;
  event* resume = nullptr;      // re-adds `accept` after a pause (out of descriptors)
  bool paused = false;          // `accept` is not watched: see pauseAccepting
  Connection* first = nullptr;  // every open connection, to close them at stop()
  event* wake = nullptr;        // activated by a worker that answered a parked connection
  std::mutex doneMu;
  std::vector<Connection*> done;  // parked connections answered by a worker (under doneMu)
  char date[64] = {0};
  char buffer[16384];  // every read of this loop's connections lands here first
  time_t dateSecond = 0;
  size_t dateLength = 0;

  std::string_view now() {
    time_t t = time(nullptr);
    if (t != dateSecond) {
      struct tm tm;
      gmtime_r(&t, &tm);
      dateLength = strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
      dateSecond = t;
    }
    return std::string_view(date, dateLength);
  }
};

struct Connection {
  GatewayListener::Loop* loop;
  int fd;
  event* io = nullptr;
  event* timer = nullptr;
  GatewayConnection http;
  std::string in;   // received, not consumed
  std::string out;  // answers not written yet
  size_t outSent = 0;
  int64_t armed = 0;  // the deadline the timer is set for
  bool lingering = false;
  bool writing = false;  // io waits for EV_WRITE
  // A worker answers the first request of `in` (GatewayConnection::parked): until it hands the
  // connection back (Loop::done), the loop neither watches nor touches it.
  bool parked = false;
  Connection* prev = nullptr;
  Connection* next = nullptr;

  Connection(GatewayListener::Loop* l, int f, GatewayEndpoints& e, const GatewayLimits& limits)
      : loop(l), fd(f), http(e, limits, steadyMs()) {}
};

namespace {
void onIo(evutil_socket_t fd, short what, void* arg);
void onTimer(evutil_socket_t fd, short what, void* arg);

// The current IMF-fixdate, for a worker (Loop::now() is its loop's).
std::string_view httpDate(char (&buf)[64]) {
  time_t t = time(nullptr);
  struct tm tm;
  gmtime_r(&t, &tm);
  return std::string_view(buf, strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm));
}

void closeConnection(Connection* c) {
  GatewayListener::Loop* l = c->loop;
  if (c->prev)
    c->prev->next = c->next;
  else
    l->first = c->next;
  if (c->next) c->next->prev = c->prev;
  event_free(c->io);
  event_free(c->timer);
  close(c->fd);
  l->owner->countClosed();
  delete c;
  if (l->paused) {  // a descriptor is free: accept again now rather than at the pause's end
    l->paused = false;
    evtimer_del(l->resume);
    event_add(l->accept, nullptr);
  }
}

// Sets the connection's timer for `deadline` — unless it is set for an earlier time: then it
// fires early, onTimer sees the deadline has moved and sets it again. So a busy kept-alive
// connection, whose deadline moves later with every request, re-arms about once per
// http.keepAliveTimeout instead of once per request.
void armTimer(Connection* c, int64_t deadline) {
  if (c->armed != 0 && deadline >= c->armed) return;
  c->armed = deadline;
  int64_t ms = std::max<int64_t>(0, deadline - steadyMs());
  timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  evtimer_add(c->timer, &tv);
}

void watch(Connection* c, bool wantWrite) {
  if (wantWrite == c->writing) return;
  c->writing = wantWrite;
  event_del(c->io);
  event_assign(c->io, c->loop->base, c->fd,
               static_cast<short>(EV_PERSIST | (wantWrite ? EV_WRITE : EV_READ)), onIo, c);
  event_add(c->io, nullptr);
}

// Writes what is pending. False when the connection was closed.
bool flush(Connection* c) {
  while (c->outSent < c->out.size()) {
    ssize_t n = send(c->fd, c->out.data() + c->outSent, c->out.size() - c->outSent, MSG_NOSIGNAL);
    if (n > 0) {
      c->outSent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watch(c, true);
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    closeConnection(c);
    return false;
  }
  c->out.clear();
  c->outSent = 0;
  if (c->http.closing()) {
    if (!c->http.linger()) {
      closeConnection(c);
      return false;
    }
    if (!c->lingering) {
      // Graceful close: the answer is on its way; drop what the client still sends for a
      // moment so that our close does not turn into a reset that discards the answer.
      c->lingering = true;
      shutdown(c->fd, SHUT_WR);
      c->armed = 0;
      armTimer(c, steadyMs() + kLingerMs);
    }
  }
  watch(c, false);
  return true;
}

// The request at the head of `in` needs the database: a worker answers it (with what was
// pipelined behind it still in `in`), then hands the connection back through Loop::done; the
// answers before it are on their way already, the ones after it follow it, in order.
void park(Connection* c) {
  c->parked = true;
  event_del(c->io);
  bool posted = c->loop->owner->workers().post([c] {
    char date[64];
    size_t used = c->http.resume(c->in.data(), c->in.size(), steadyMs(), httpDate(date), c->out);
    c->in.erase(0, used);
    GatewayListener::Loop* l = c->loop;
    {
      std::lock_guard<std::mutex> lock(l->doneMu);
      l->done.push_back(c);
    }
    event_active(l->wake, EV_READ, 0);  // thread-safe: evthread_use_pthreads
  });
  if (!posted) closeConnection(c);  // the listener is stopping
}

void process(Connection* c) {
  size_t used = c->http.onInput(c->in.data(), c->in.size(), steadyMs(), c->loop->now(), c->out);
  c->in.erase(0, used);
  if (c->in.empty() && c->in.capacity() > 4096) std::string().swap(c->in);  // idle: give it back
  if (!flush(c)) return;
  if (c->http.parked()) return park(c);
  if (!c->lingering) armTimer(c, c->http.deadline());
}

void onWake(evutil_socket_t, short, void* arg) {
  auto* l = static_cast<GatewayListener::Loop*>(arg);
  std::vector<Connection*> done;
  {
    std::lock_guard<std::mutex> lock(l->doneMu);
    done.swap(l->done);
  }
  for (Connection* c : done) {
    c->parked = false;
    event_add(c->io, nullptr);  // watched again as before (read, or write when `out` was stuck)
    if (!flush(c)) continue;
    if (!c->lingering && !c->writing && !c->in.empty()) {
      process(c);  // what was pipelined behind the parked request
      continue;
    }
    if (!c->lingering) armTimer(c, c->http.deadline());
  }
}

void onRead(Connection* c) {
  // One read per wake-up (the loop is level-triggered: more data wakes it again), into the
  // loop's buffer; only bytes of a request not complete yet are kept on the connection.
  char* buf = c->loop->buffer;
  ssize_t n = recv(c->fd, buf, sizeof c->loop->buffer, 0);
  if (n <= 0) {
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    closeConnection(c);  // end of stream or error: nobody to answer
    return;
  }
  if (c->lingering) return;  // dropped
  if (c->in.empty()) {
    size_t used = c->http.onInput(buf, static_cast<size_t>(n), steadyMs(), c->loop->now(), c->out);
    if (used < static_cast<size_t>(n)) c->in.assign(buf + used, static_cast<size_t>(n) - used);
    if (!flush(c)) return;
    if (c->http.parked()) return park(c);
    if (!c->lingering) armTimer(c, c->http.deadline());
    return;
  }
  c->in.append(buf, static_cast<size_t>(n));
  process(c);
}

void onIo(evutil_socket_t, short what, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  if (what & EV_WRITE) {
    if (!flush(c)) return;
    if (!c->writing && !c->lingering && !c->in.empty()) process(c);  // pipelined, held back
    return;
  }
  if (what & EV_READ) onRead(c);
}

void onTimer(evutil_socket_t, short, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  c->armed = 0;
  if (c->lingering) return closeConnection(c);
  // A worker is answering: no deadline runs meanwhile (the request has arrived whole).
  if (c->parked) return armTimer(c, steadyMs() + 1000);
  if (steadyMs() < c->http.deadline()) return armTimer(c, c->http.deadline());
  c->http.onDeadline(c->in.data(), c->in.size(), c->loop->now(), c->out);
  c->in.clear();
  if (c->out.empty()) return closeConnection(c);
  flush(c);
}

void onResume(evutil_socket_t, short, void* arg) {
  auto* l = static_cast<GatewayListener::Loop*>(arg);
  l->paused = false;
  event_add(l->accept, nullptr);
}

// accept() failed for want of a descriptor or of memory: the pending connection stays in the
// backlog and the listening socket stays readable, so watching it would wake the loop again at
// once, for ever (1.6 CPU-s per 3 s, checks delayed). Stop watching it for a moment, as nginx
// and libuv do, or until one of this loop's connections closes (closeConnection).
void pauseAccepting(GatewayListener::Loop* l, int err) {
  l->paused = true;
  event_del(l->accept);
  timeval tv{0, static_cast<suseconds_t>(GatewayListener::kAcceptPauseMs * 1000)};
  evtimer_add(l->resume, &tv);
  l->owner->countAcceptPause(err);
}

void onAccept(evutil_socket_t listenFd, short, void* arg) {
  auto* l = static_cast<GatewayListener::Loop*>(arg);
  // Several loops watch the socket: the ones that lose the race get EAGAIN.
  for (int i = 0; i < 64; ++i) {
    sockaddr_storage peer{};
    socklen_t peerLength = sizeof peer;
    int fd = accept4(listenFd, reinterpret_cast<sockaddr*>(&peer), &peerLength,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EINTR || err == ECONNABORTED) continue;
      if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) pauseAccepting(l, err);
      return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto* c = new Connection(l, fd, l->owner->endpoints(), l->owner->limits());
    c->http.setPeer(IpAddress::of(reinterpret_cast<const sockaddr*>(&peer)));
    l->owner->countAccepted();
    c->io = event_new(l->base, fd, EV_READ | EV_PERSIST, onIo, c);
    c->timer = evtimer_new(l->base, onTimer, c);
    c->next = l->first;
    if (l->first) l->first->prev = c;
    l->first = c;
    event_add(c->io, nullptr);
    armTimer(c, c->http.deadline());
  }
}
}  // namespace

void GatewayListener::countAcceptPause(int err) {
  _acceptPauses.count(std::strerror(err), static_cast<int>(kAcceptPauseMs));
}

int GatewayListener::listenOn(const std::string& address, int port) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v6;
  } else {
    throw std::runtime_error("gateway.address: '" + address + "' is not an IP address");
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  // SO_REUSEADDR only allows rebinding over TIME_WAIT; without SO_REUSEPORT a second server
  // on this port is refused.
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  std::string at = address + ":" + std::to_string(port);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, 4096) != 0) {
    int err = errno;
    if (fd >= 0) close(fd);
    if (err == EADDRINUSE)
      throw std::runtime_error("gateway.port: " + at +
                               " is already in use (is another keywarden running on it?)");
    throw std::runtime_error("gateway.port: cannot listen on " + at + ": " + std::strerror(err));
  }
  makeNonBlocking(fd);
  return fd;
}

GatewayListener::GatewayListener(GatewayEndpoints& endpoints, GatewayLimits limits, int fd,
                                 int loops)
    : _endpoints(endpoints), _limits(limits), _fd(fd) {
  static std::once_flag threads;
  std::call_once(threads, [] { evthread_use_pthreads(); });
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  getsockname(_fd, reinterpret_cast<sockaddr*>(&bound), &blen);
  _port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  if (loops <= 0) loops = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  _workers = std::make_unique<GatewayWorkers>(kWorkers);
  for (int i = 0; i < loops; ++i) {
    auto l = std::make_unique<Loop>();
    l->owner = this;
    l->base = event_base_new();
    if (!l->base) throw std::runtime_error("gateway.port: cannot create an event loop");
    l->accept = event_new(l->base, _fd, EV_READ | EV_PERSIST, onAccept, l.get());
    event_add(l->accept, nullptr);
    l->resume = evtimer_new(l->base, onResume, l.get());
    l->wake = event_new(l->base, -1, 0, onWake, l.get());
    _loops.push_back(std::move(l));
  }
}

GatewayListener::~GatewayListener() {
  stop();
  for (auto& l : _loops) {
    while (l->first) closeConnection(l->first);
    if (l->accept) event_free(l->accept);
    if (l->resume) event_free(l->resume);
    if (l->wake) event_free(l->wake);
    if (l->base) event_base_free(l->base);
  }
  if (_fd >= 0) close(_fd);
}

void GatewayListener::start() {
  if (_started) return;
  _started = true;
  for (auto& l : _loops) {
    event_base* base = l->base;
    _threads.emplace_back([base] {
      engine::NoBlockingStore loopThread;  // what must wait for the database goes to a worker
      event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
    });
  }
}

void GatewayListener::stop() {
  for (auto& l : _loops) event_base_loopbreak(l->base);
  for (auto& t : _threads) t.join();
  _threads.clear();
  // Parked connections whose answer never started stay parked; the destructor closes them.
  if (_workers) _workers->stop();
}

}  // namespace keywarden::api::gateway
