#pragma once

#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>

#include <cstdint>
#include <string>

namespace keywarden::api {

// A stream socket that reads and writes through another (plain TCP or TLS: the accepted
// socket's own implementation does the work) and keeps a copy of the bytes it received, so
// that the raw bytes of a request's header can be checked after Poco has parsed it (see
// RawHeaderCheck). Bytes are numbered from 0 (the first byte received on the connection);
// only those from keepFrom() on are kept, at most `capacity` of them: a byte past that is
// dropped and with it every later one until keepFrom() moves past the gap, so view() never
// shows a range with a hole.
//
// Its own descriptor is a dup() of the accepted socket's, for what Poco does on the
// descriptor directly (SocketImpl::sockfd, initialized); reads, writes, poll, timeouts and
// shutdown go to the accepted socket's implementation; close() closes both, as closing the
// accepted socket's session did before. Not thread-safe: one connection thread uses it (the
// watchdog's shutdown(2) acts on the shared socket and needs none of its state).
class RecordingSocketImpl : public Poco::Net::StreamSocketImpl {
 public:
  // Throws Poco::IOException when the descriptor cannot be duplicated.
  RecordingSocketImpl(const Poco::Net::StreamSocket& inner, size_t capacity);

  // Bytes received so far.
  uint64_t received() const { return _received; }
  // Drops what is kept before `offset` and keeps bytes from there on (offset may lie ahead).
  void keepFrom(uint64_t offset);
  // The kept bytes [from, to), or nullptr when they are not all kept.
  const char* view(uint64_t from, uint64_t to) const;

  int receiveBytes(void* buffer, int length, int flags = 0) override;
  int receiveBytes(Poco::Net::SocketBufVec& buffers, int flags = 0) override;
  int receiveBytes(Poco::Buffer<char>& buffer, int flags = 0,
                   const Poco::Timespan& timeout = 100000) override;
  int sendBytes(const void* buffer, int length, int flags = 0) override;
  int sendBytes(const Poco::Net::SocketBufVec& buffers, int flags = 0) override;
  int available() override;
  bool poll(const Poco::Timespan& timeout, int mode) override;
  void close() override;
  void shutdownReceive() override;
  void shutdownSend() override;
  void shutdown() override;
  void setSendTimeout(const Poco::Timespan& timeout) override;
  Poco::Timespan getSendTimeout() override;
  void setReceiveTimeout(const Poco::Timespan& timeout) override;
  Poco::Timespan getReceiveTimeout() override;
  void setBlocking(bool flag) override;
  bool getBlocking() const override;
  bool secure() const override;
  Poco::Net::SocketAddress address() override;
  Poco::Net::SocketAddress peerAddress() override;

 protected:
  ~RecordingSocketImpl() override = default;

 private:
  void record(const char* data, size_t n);

  Poco::Net::StreamSocket _inner;
  const size_t _capacity;
  uint64_t _received = 0;
  uint64_t _base = 0;  // the number of _kept[0]
  std::string _kept;
};

}  // namespace keywarden::api
