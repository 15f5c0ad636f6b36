#include "engine/abuse/AbuseGuard.h"

#include <Poco/Logger.h>

#include "engine/base/Rfc3339.h"
#include "engine/text/JsonText.h"

namespace keywarden::engine {

const char* AbuseGuard::tableName(Table t) {
  switch (t) {
    case Table::Source:
      return "source";
    case Table::Prefix:
      return "prefix";
    case Table::Link:
      return "link";
  }
  return "source";
}

AbuseGuard::AbuseGuard(Store* store, const Clock& clock, AbuseSettings settings)
    : _store(store), _clock(clock), _settings(settings) {
  _tables[0] = std::make_unique<AttemptTable>(_settings.slots, _settings.source);
  _tables[1] = std::make_unique<AttemptTable>(_settings.slots, _settings.prefix);
  // Links are asked for by people, not gateways: a smaller table does.
  _tables[2] =
      std::make_unique<AttemptTable>(std::max<size_t>(_settings.slots / 4, 1024), _settings.link);
}

AbuseGuard::~AbuseGuard() {
  stop();
}

AbuseGuard::Refusal AbuseGuard::beforeCheck(const AttemptKey* source, const AttemptKey* start,
                                            int64_t now) {
  Refusal r;
  AttemptTable& sources = *_tables[0];
  if (source) {
    if (int64_t until = sources.blockedUntil(*source, now, true)) {
      _refusals[0].fetch_add(1, std::memory_order_relaxed);
      return {true, Table::Source, until};
    }
  }
  if (start && source && sources.inWindow(*source, now) > 0) {
    if (int64_t until = _tables[1]->blockedUntil(*start, now, true)) {
      _refusals[1].fetch_add(1, std::memory_order_relaxed);
      return {true, Table::Prefix, until};
    }
  }
  return r;
}

void AbuseGuard::checkFailed(const AttemptKey* source, const AttemptKey* start, int64_t now) {
  if (source) counted(Table::Source, *source, _tables[0]->fail(*source, now), now);
  if (start) counted(Table::Prefix, *start, _tables[1]->fail(*start, now), now);
}

int64_t AbuseGuard::linkBlocked(const AttemptKey& source, int64_t now) {
  int64_t until = _tables[2]->blockedUntil(source, now, true);
  if (until) _refusals[2].fetch_add(1, std::memory_order_relaxed);
  return until;
}

void AbuseGuard::linkFailed(const AttemptKey& source, int64_t now) {
  counted(Table::Link, source, _tables[2]->fail(source, now), now);
}

void AbuseGuard::counted(Table t, const AttemptKey& key, const AttemptTable::Counted& c,
                         int64_t now) {
  int i = static_cast<int>(t);
  _failures[i].fetch_add(1, std::memory_order_relaxed);
  if (!c.blockStarted) return;
  _blocks[i].fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(_queueMutex);
  if (_queue.size() >= kMaxQueued) {
    _dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  _queue.push_back({t, std::string(key.view()), c.inWindow, now, c.firstSeen, c.blockedUntil});
  if (_writer) _writer->wake();
}

bool AbuseGuard::flush() {
  std::lock_guard<std::mutex> one(_flushMutex);
  std::vector<Episode> batch;
  {
    std::lock_guard<std::mutex> lock(_queueMutex);
    batch.swap(_queue);
  }
  if (batch.empty() || !_store) return true;
  std::vector<AuditEntry> rows;
  rows.reserve(batch.size());
  for (const Episode& e : batch) {
    const AttemptTable::Limits& l = _tables[static_cast<int>(e.table)]->limits();
    std::string d = "{\"table\":\"";
    d += tableName(e.table);
    d += "\",\"failures\":" + std::to_string(e.failures);
    d += ",\"windowSeconds\":" + std::to_string(l.windowMs / 1000);
    d += ",\"firstSeen\":" + JsonText::quoted(Rfc3339::format(e.firstSeen));
    d += ",\"blockedUntil\":" + JsonText::quoted(Rfc3339::format(e.until)) + "}";
    rows.push_back({e.at, "system:abuse", "abuse.blocked",
                    e.table == Table::Prefix ? "key-start" : "client-address", e.key, "", d});
  }
  auto& log = Poco::Logger::get("keywarden.abuse");
  if (log.warning())
    for (const Episode& e : batch)  // one line per block: the address or key start, never a key
      log.warning(
          "blocked %s %s until %s after %d failed attempt(s) in %Lds",
          std::string(e.table == Table::Prefix ? "key start" : "client address"), e.key,
          Rfc3339::format(e.until), e.failures,
          static_cast<int64_t>(_tables[static_cast<int>(e.table)]->limits().windowMs / 1000));
  try {
    _store->write([&](Transaction& tx) { tx.audit().appendMany(rows); });
    return true;
  } catch (const std::exception& ex) {
    Poco::Logger::get("keywarden.abuse")
        .warning("%z block episode(s) not audited yet: %s", batch.size(), std::string(ex.what()));
    std::lock_guard<std::mutex> lock(_queueMutex);
    // Back in front of what came meanwhile, within the bound.
    batch.insert(batch.end(), _queue.begin(), _queue.end());
    if (batch.size() > kMaxQueued) {
      _dropped.fetch_add(batch.size() - kMaxQueued, std::memory_order_relaxed);
      batch.resize(kMaxQueued);
    }
    _queue.swap(batch);
    return false;
  }
}

void AbuseGuard::start() {
  if (_writer) return;
  _writer = std::make_unique<BackgroundLoop>("kw-abuse", 1000, [this] {
    flush();
    return static_cast<int64_t>(1000);
  });
  _writer->start();
}

void AbuseGuard::stop() {
  if (!_writer) return;
  _writer->stop();
  flush();
}

}  // namespace keywarden::engine
