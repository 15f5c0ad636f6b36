#include "mail/OutboxSender.h"

#include <cctype>

#include <Poco/Logger.h>
#include <pthread.h>

#include <algorithm>
#include <chrono>

namespace keywarden::mail {

namespace {
// Thrown from the per-mail callback to end a batch early (the rest goes back to the queue).
struct EndBatch {};
}  // namespace

OutboxSender::OutboxSender(engine::Store& store, const TemplateSet& templates,
                           MailTransport& transport, const engine::SecretBox& sealer,
                           const engine::Clock& clock, SenderSettings settings)
    : _store(store),
      _templates(templates),
      _transport(transport),
      _sealer(sealer),
      _clock(clock),
      _settings(settings) {
  if (!_settings.journalPath.empty())
    _journal = std::make_unique<SentJournal>(_settings.journalPath);
}

int OutboxSender::recover() {
  if (!_journal) return 0;
  auto ids = _journal->read();
  if (!ids.empty()) {
    int64_t at = _clock.nowMs();
    _store.write([&](engine::Transaction& tx) {
      for (const auto& id : ids) tx.outbox().markSent(id, at);
    });
    Poco::Logger::get("keywarden.mail")
        .warning(
            "%z mail(s) accepted by the SMTP server at the last stop are recorded as sent "
            "(not sent again)",
            ids.size());
  }
  _journal->clear();
  return static_cast<int>(ids.size());
}

void OutboxSender::recordSent(std::vector<std::pair<std::string, int64_t>>& sent) {
  {
    std::lock_guard<std::mutex> lock(_m);
    sent.insert(sent.end(), _unrecorded.begin(), _unrecorded.end());
    _unrecorded.clear();
  }
  if (sent.empty()) return;
  try {
    _store.write([&](engine::Transaction& tx) {
      for (const auto& [id, at] : sent) tx.outbox().markSent(id, at);
    });
  } catch (const std::exception& e) {
    Poco::Logger::get("keywarden.mail")
        .error("outbox: %z sent mail(s) not recorded yet: %s", sent.size(), std::string(e.what()));
    std::lock_guard<std::mutex> lock(_m);
    _unrecorded.insert(_unrecorded.end(), sent.begin(), sent.end());
    sent.clear();
    return;
  }
  if (_journal) _journal->done(sent.size());
  sent.clear();
}

OutboxSender::~OutboxSender() {
  stop();
}

void OutboxSender::start() {
  int n = std::max(1, _settings.connections);
  for (int i = 0; i < n; ++i)
    _threads.emplace_back([this] {
      // Named, but not SCHED_BATCH like the other background threads: a sender thread mostly
      // waits on its socket, and a late wake-up after the server's 250 would widen the only
      // span in which a crash sends a mail twice.
      pthread_setname_np(pthread_self(), "kw-outbox");
      run();
    });
}

void OutboxSender::stop() {
  {
    std::lock_guard<std::mutex> lock(_m);
    _stopping = true;
  }
  _cv.notify_all();
  for (auto& t : _threads)
    if (t.joinable()) t.join();
  _threads.clear();
}

void OutboxSender::wake() {
  {
    std::lock_guard<std::mutex> lock(_m);
    ++_wakes;
  }
  _cv.notify_all();
}

namespace {
// A server's reply may quote the message (a content filter's 550 often does): what it says is
// stored and logged only without the mail's key and without a link's token.
std::string withoutSecrets(std::string text, const std::string& secret) {
  if (!secret.empty())
    for (size_t at; (at = text.find(secret)) != std::string::npos;)
      text.replace(at, secret.size(), "[the key]");
  // Every link that carries a token: approver links and sign-in links (contract §7).
  for (const std::string prefix : {"/approvals/", "/signin/"}) {
    for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
      size_t from = at + prefix.size(), to = from;
      while (to < text.size() && (std::isalnum(static_cast<unsigned char>(text[to])) ||
                                  text[to] == '-' || text[to] == '_' || text[to] == '.'))
        ++to;
      text.replace(from, to - from, "[link]");
    }
  }
  return text;
}
}  // namespace

void OutboxSender::recordFailure(const engine::OutboxMail& m, const TransportError& raw,
                                 const std::string& secret) {
  const TransportError e(withoutSecrets(raw.what(), secret), raw.temporary());
  bool giveUp = !e.temporary() || _clock.nowMs() >= m.giveUpAt;
  int shift = std::min(m.attempts - 1, 30);
  int64_t delay = std::min(_settings.retryMaxMs, _settings.retryBaseMs << std::max(shift, 0));
  _store.write([&](engine::Transaction& tx) {
    if (giveUp)
      tx.outbox().markFailed(m.id, e.what());
    else
      tx.outbox().markRetry(m.id, e.what(), _clock.nowMs() + delay);
  });
  Poco::Logger::get("keywarden.mail")
      .warning("mail %s (%s) to %s: attempt %d failed: %s%s", m.id, m.event, m.recipient,
               m.attempts, std::string(e.what()), std::string(giveUp ? " — given up" : ""));
}

OutboxSender::Batch OutboxSender::prepare(const std::vector<engine::OutboxMail>& due) {
  Batch b;
  b.rows.reserve(due.size());
  b.out.reserve(due.size());
  std::map<std::string, std::string> languages;  // one look-up for the batch
  if (_languagesOf) {
    std::vector<std::string> recipients;
    recipients.reserve(due.size());
    for (const auto& m : due) recipients.push_back(m.recipient);
    languages = _languagesOf(recipients);
  }
  for (const auto& m : due) {
    std::string secret;
    if (!m.sealedSecret.empty()) {
      auto opened = _sealer.open(m.sealedSecret);
      if (!opened) {
        recordFailure(m, TransportError("not sent: the sealed key cannot be opened (was the "
                                        "master secret changed?)",
                                        false));
        continue;
      }
      secret = std::move(*opened);
    }
    try {
      OutgoingMail o;
      auto language = languages.find(m.recipient);
      o.mail = _templates.renderMail(m.event, m.context, secret,
                                     language == languages.end() ? "" : language->second);
      o.to = m.recipient;
      o.messageId = m.messageId.empty() ? "<" + m.id + "@keywarden>" : m.messageId;
      b.out.push_back(std::move(o));
      b.rows.push_back(&m);
      b.secrets.push_back(secret);
    } catch (const std::exception& e) {
      recordFailure(
          m, TransportError(std::string("not sent: rendering failed: ") + e.what(), false), secret);
    }
  }
  return b;
}

bool OutboxSender::renewLeases(const std::vector<const engine::OutboxMail*>& rows, size_t from,
                               int64_t until) {
  bool all = true;
  _store.write([&](engine::Transaction& tx) {
    for (size_t j = from; j < rows.size(); ++j)
      all = tx.outbox().renewLease(rows[j]->id, _settings.owner, until) && all;
  });
  return all;
}

void OutboxSender::putBack(std::vector<std::string> ids) {
  {
    std::lock_guard<std::mutex> lock(_m);
    ids.insert(ids.end(), _unreleased.begin(), _unreleased.end());
    _unreleased.clear();
  }
  if (ids.empty()) return;
  try {
    // release() touches only a row still SENDING under this owner: one recorded meanwhile
    // (failed, or taken by another instance after the lease ran out) stays as it is.
    _store.write([&](engine::Transaction& tx) {
      for (const auto& id : ids) tx.outbox().release(id, _settings.owner);
    });
  } catch (const std::exception& e) {
    Poco::Logger::get("keywarden.mail")
        .error("outbox: %z claimed mail(s) not put back yet: %s", ids.size(),
               std::string(e.what()));
    std::lock_guard<std::mutex> lock(_m);
    _unreleased.insert(_unreleased.end(), ids.begin(), ids.end());
  }
}

int OutboxSender::drainOnce() {
  auto& log = Poco::Logger::get("keywarden.mail");
  std::vector<std::pair<std::string, int64_t>> sent;
  recordSent(sent);  // what an earlier batch could not record
  putBack({});       // what an earlier batch could not put back
  std::vector<engine::OutboxMail> due;
  int64_t now = _clock.nowMs();
  int64_t leaseUntil = now + _settings.leaseMs;
  _store.write([&](engine::Transaction& tx) {
    due = tx.outbox().claim(now, leaseUntil, _settings.batch, _settings.owner);
  });
  if (due.empty()) return 0;

  // Everything that can be done before the session is done before it: open the sealed keys,
  // render, and write the subjects for the mail log (one commit for the batch). Nothing has
  // gone out yet: if the store fails here, the whole batch goes back to the queue.
  Batch batch = prepareOrPutBack(due);
  if (batch.out.empty()) return static_cast<int>(due.size());
  const auto& rows = batch.rows;
  const auto& out = batch.out;

  size_t next = 0;  // the first mail whose outcome is not recorded yet
  try {
    _transport.sendBatch(out, [&](size_t i, const TransportError* error) {
      const engine::OutboxMail& m = *rows[i];
      next = i + 1;
      if (!error) {
        // Accepted: record it at once, alone — nothing may stand between the 250 and this
        // record. With the journal, one write(2) (its store commit comes with the batch's);
        // without, a commit of one UPDATE.
        sent.emplace_back(m.id, _clock.nowMs());
        if (!_journal || !_journal->append(m.id)) recordSent(sent);
        log.information("mail %s (%s) to %s sent", m.id, m.event, m.recipient);
      } else {
        recordFailure(m, *error, batch.secrets[i]);
        // A temporary failure says the server or the session is in trouble: stop here rather
        // than have every mail of the batch wait out the same timeouts.
        if (error->temporary()) throw EndBatch{};
      }
      if (next == out.size()) return;
      // A slow batch must never let another instance take a mail that is about to go out
      // here: once an eighth of the lease is gone, renew it for the rest (one commit, only for
      // slow batches), so each mail starts with more lease left than the transport's limit
      // for one mail (SmtpSettings::mailTimeoutMs, 90 s of a 2-minute lease).
      int64_t at = _clock.nowMs();
      if (at + _settings.leaseMs - _settings.leaseMs / 8 < leaseUntil) return;
      recordSent(sent);
      leaseUntil = at + _settings.leaseMs;
      if (!renewLeases(rows, next, leaseUntil)) throw EndBatch{};
    });
  } catch (const EndBatch&) {
  } catch (const std::exception& e) {
    log.error("outbox: %s", std::string(e.what()));
  }
  recordSent(sent);
  // Mails the batch did not reach go back to the queue, due at once and not counted as tried.
  putBackFrom(batch, next);
  return static_cast<int>(due.size());
}

void OutboxSender::putBackFrom(const Batch& batch, size_t from) {
  std::vector<std::string> ids;
  for (size_t j = from; j < batch.rows.size(); ++j) ids.push_back(batch.rows[j]->id);
  putBack(std::move(ids));
}

OutboxSender::Batch OutboxSender::prepareOrPutBack(const std::vector<engine::OutboxMail>& due) {
  try {
    Batch batch = prepare(due);
    if (!batch.out.empty()) writeSubjects(batch);
    return batch;
  } catch (...) {
    std::vector<std::string> ids;
    for (const auto& m : due) ids.push_back(m.id);
    putBack(std::move(ids));
    throw;
  }
}

void OutboxSender::writeSubjects(const Batch& batch) {
  _store.write([&](engine::Transaction& tx) {
    for (size_t i = 0; i < batch.out.size(); ++i)
      tx.outbox().setSubject(batch.rows[i]->id, batch.out[i].mail.subject);
  });
}

void OutboxSender::run() {
  uint64_t seen = 0;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(_m);
      if (_stopping) return;
      seen = _wakes;
    }
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
    _cv.wait_for(lock, std::chrono::milliseconds(waitMs),
                 [this, seen] { return _stopping || _wakes != seen; });
    if (_stopping) return;
  }
}

}  // namespace keywarden::mail
