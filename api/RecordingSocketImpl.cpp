#include "api/RecordingSocketImpl.h"

#include <Poco/Exception.h>
#include <unistd.h>

#include <algorithm>

namespace keywarden::api {

namespace {
poco_socket_t dupDescriptor(const Poco::Net::StreamSocket& s) {
  const int fd = ::dup(s.impl()->sockfd());
  if (fd < 0) throw Poco::IOException("cannot duplicate the connection's socket");
  return fd;
}
}  // namespace

RecordingSocketImpl::RecordingSocketImpl(const Poco::Net::StreamSocket& inner, size_t capacity)
    : Poco::Net::StreamSocketImpl(dupDescriptor(inner)), _inner(inner), _capacity(capacity) {}

void RecordingSocketImpl::record(const char* data, size_t n) {
  const uint64_t start = _received;
  _received += n;
  if (_received <= _base) return;  // all before the bytes to keep
  const uint64_t from = std::max(start, _base);
  if (from != _base + _kept.size()) return;  // after a gap: never kept, view() stays honest
  const size_t skip = static_cast<size_t>(from - start);
  const size_t take = std::min(n - skip, _capacity - _kept.size());
  _kept.append(data + skip, take);
}

void RecordingSocketImpl::keepFrom(uint64_t offset) {
  const uint64_t end = _base + _kept.size();
  if (offset >= _base && offset <= end)
    _kept.erase(0, static_cast<size_t>(offset - _base));
  else
    _kept.clear();  // bytes between `offset` and what comes next were not kept: a gap
  _base = offset;
}

const char* RecordingSocketImpl::view(uint64_t from, uint64_t to) const {
  if (from < _base || to < from || to > _base + _kept.size()) return nullptr;
  return _kept.data() + (from - _base);
}

int RecordingSocketImpl::receiveBytes(void* buffer, int length, int flags) {
  const int n = _inner.impl()->receiveBytes(buffer, length, flags);
  if (n > 0) record(static_cast<const char*>(buffer), static_cast<size_t>(n));
  return n;
}

int RecordingSocketImpl::receiveBytes(Poco::Net::SocketBufVec&, int) {
  throw Poco::NotImplementedException("RecordingSocketImpl: scattered reads are not recorded");
}

int RecordingSocketImpl::receiveBytes(Poco::Buffer<char>&, int, const Poco::Timespan&) {
  throw Poco::NotImplementedException("RecordingSocketImpl: buffer reads are not recorded");
}

int RecordingSocketImpl::sendBytes(const void* buffer, int length, int flags) {
  return _inner.impl()->sendBytes(buffer, length, flags);
}

int RecordingSocketImpl::sendBytes(const Poco::Net::SocketBufVec& buffers, int flags) {
  return _inner.impl()->sendBytes(buffers, flags);
}

int RecordingSocketImpl::available() {
  return _inner.impl()->available();
}

bool RecordingSocketImpl::poll(const Poco::Timespan& timeout, int mode) {
  return _inner.impl()->poll(timeout, mode);
}

void RecordingSocketImpl::close() {
  try {
    _inner.impl()->close();
  } catch (...) {
    Poco::Net::StreamSocketImpl::close();
    throw;
  }
  Poco::Net::StreamSocketImpl::close();
}

void RecordingSocketImpl::shutdownReceive() {
  _inner.impl()->shutdownReceive();
}
void RecordingSocketImpl::shutdownSend() {
  _inner.impl()->shutdownSend();
}
void RecordingSocketImpl::shutdown() {
  _inner.impl()->shutdown();
}

void RecordingSocketImpl::setSendTimeout(const Poco::Timespan& timeout) {
  _inner.impl()->setSendTimeout(timeout);
}
Poco::Timespan RecordingSocketImpl::getSendTimeout() {
  return _inner.impl()->getSendTimeout();
}
void RecordingSocketImpl::setReceiveTimeout(const Poco::Timespan& timeout) {
  _inner.impl()->setReceiveTimeout(timeout);
}
Poco::Timespan RecordingSocketImpl::getReceiveTimeout() {
  return _inner.impl()->getReceiveTimeout();
}
void RecordingSocketImpl::setBlocking(bool flag) {
  _inner.impl()->setBlocking(flag);
}
bool RecordingSocketImpl::getBlocking() const {
  return _inner.impl()->getBlocking();
}
bool RecordingSocketImpl::secure() const {
  return _inner.impl()->secure();
}
Poco::Net::SocketAddress RecordingSocketImpl::address() {
  return _inner.impl()->address();
}
Poco::Net::SocketAddress RecordingSocketImpl::peerAddress() {
  return _inner.impl()->peerAddress();
}

}  // namespace keywarden::api
