#include "mail/OutboxSender.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <chrono>

#include "engine/BackgroundThread.h"

namespace keywarden::mail {

OutboxSender::OutboxSender(engine::Store& store, const TemplateSet& templates,
                           MailTransport& transport, const engine::SecretBox& sealer,
                           const engine::Clock& clock, SenderSettings settings)
    : _store(store),
      _templates(templates),
      _transport(transport),
      _sealer(sealer),
      _clock(clock),
      _settings(settings) {}

OutboxSender::~OutboxSender() {
  stop();
}

void OutboxSender::start() {
  _thread = std::thread([this] {
    engine::markBackgroundThread("kw-outbox");
    run();
  });
}

void OutboxSender::stop() {
  {
    std::lock_guard<std::mutex> lock(_m);
    _stopping = true;
  }
  _cv.notify_all();
  if (_thread.joinable()) _thread.join();
}

void OutboxSender::wake() {
  {
    std::lock_guard<std::mutex> lock(_m);
    _woken = true;
  }
  _cv.notify_all();
}

void OutboxSender::deliver(const engine::OutboxMail& m) {
  auto& log = Poco::Logger::get("keywarden.mail");
  int64_t now = _clock.nowMs();
  std::string secret;
  if (!m.sealedSecret.empty()) {
    auto opened = _sealer.open(m.sealedSecret);
    if (!opened) {
      _store.write([&](engine::Transaction& tx) {
        tx.outbox().markFailed(m.id,
                               "the sealed key cannot be opened (was the master secret changed?)");
      });
      log.error("mail %s (%s) to %s failed: sealed key cannot be opened", m.id, m.event,
                m.recipient);
      return;
    }
    secret = std::move(*opened);
  }
  RenderedMail rendered;
  try {
    rendered = _templates.renderMail(m.event, m.context, secret);
  } catch (const std::exception& e) {
    _store.write([&](engine::Transaction& tx) {
      tx.outbox().markFailed(m.id, std::string("rendering failed: ") + e.what());
    });
    return;
  }
  std::string messageId = m.messageId.empty() ? "<" + m.id + "@keywarden>" : m.messageId;
  try {
    _transport.send(m.recipient, rendered, messageId);
  } catch (const TransportError& e) {
    bool giveUp = !e.temporary() || now >= m.giveUpAt;
    int shift = std::min(m.attempts - 1, 30);
    int64_t delay = std::min(_settings.retryMaxMs, _settings.retryBaseMs << std::max(shift, 0));
    _store.write([&](engine::Transaction& tx) {
      if (giveUp)
        tx.outbox().markFailed(m.id, e.what());
      else
        tx.outbox().markRetry(m.id, e.what(), _clock.nowMs() + delay);
    });
    log.warning("mail %s (%s) to %s: attempt %d failed: %s%s", m.id, m.event, m.recipient,
                m.attempts, std::string(e.what()), std::string(giveUp ? " — given up" : ""));
    return;
  }
  // Accepted: record it at once; this commit is the only window in which a crash could lead
  // to a second send, and that one would carry the same Message-ID.
  _store.write([&](engine::Transaction& tx) {
    tx.outbox().markSent(m.id, rendered.subject, _clock.nowMs());
  });
  log.information("mail %s (%s) to %s sent", m.id, m.event, m.recipient);
}

int OutboxSender::drainOnce() {
  std::vector<engine::OutboxMail> due;
  int64_t now = _clock.nowMs();
  _store.write([&](engine::Transaction& tx) {
    due = tx.outbox().claim(now, now + _settings.leaseMs, _settings.batch, _settings.owner);
  });
  for (const auto& m : due) {
    try {
      // A batch is sent one mail after another, each bounded by the SMTP timeouts: renew the
      // lease right before each, so a slow batch never lets another instance take a mail that
      // is about to go out here.
      bool held = false;
      int64_t at = _clock.nowMs();
      _store.write([&](engine::Transaction& tx) {
        held = tx.outbox().renewLease(m.id, _settings.owner, at + _settings.leaseMs);
      });
      if (!held) continue;
      deliver(m);
    } catch (const std::exception& e) {
      Poco::Logger::get("keywarden.mail").error("mail %s: %s", m.id, std::string(e.what()));
    }
  }
  return static_cast<int>(due.size());
}

void OutboxSender::run() {
  while (true) {
    int sent = 0;
    try {
      sent = drainOnce();
    } catch (const std::exception& e) {
      Poco::Logger::get("keywarden.mail").error("outbox: %s", std::string(e.what()));
    }
    if (sent >= _settings.batch) continue;  // more may be due already
    std::optional<int64_t> next;
    try {
      _store.read([&](engine::Transaction& tx) { next = tx.outbox().nextDue(); });
    } catch (const std::exception&) {
      next = _clock.nowMs() + 1000;
    }
    int64_t idle = _settings.maxIdleMs;
    int64_t waitMs = next ? std::clamp<int64_t>(*next - _clock.nowMs(), 0, idle) : idle;
    std::unique_lock<std::mutex> lock(_m);
    if (!_cv.wait_for(lock, std::chrono::milliseconds(waitMs),
                      [this] { return _stopping || _woken; }))
      continue;
    if (_stopping) return;
    _woken = false;
  }
}

}  // namespace keywarden::mail
