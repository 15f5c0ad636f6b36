#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/base/Clock.h"
#include "engine/crypto/SecretBox.h"
#include "engine/model/OutboxMail.h"
#include "engine/ports/Store.h"
#include "mail/MailTransport.h"
#include "mail/SentJournal.h"
#include "mail/TemplateSet.h"

namespace keywarden::mail {

struct SenderSettings {
  int64_t retryBaseMs = 1000;   // first retry after about a second, doubling…
  int64_t retryMaxMs = 300000;  // …up to smtp.retryMax
  int64_t leaseMs = 120000;     // a mail being sent is not taken again before this
  int batch = 20;               // mails claimed at once and sent over one SMTP session
  int connections = 2;          // sessions in parallel (smtp.connections), one thread each
  // The longest the sender sleeps without looking at the outbox again: mails that another
  // instance on the same database enqueues wake nobody here.
  int64_t maxIdleMs = 60000;
  // Names this instance in the leases it takes: stable across restarts (host and port), so a
  // restarted instance can release the leases its previous run died holding.
  std::string owner;
  // The sent-mail journal (SentJournal) beside a SQLite database: each acceptance is written
  // there right after the 250 and the SENT marks reach the store once per batch. Empty (the
  // PostgreSQL case): each SENT mark is its own commit right after the 250.
  std::string journalPath;
};

// Drains the outbox: claims a batch of due mails (a lease, so two instances never send one
// mail), opens their sealed keys and renders them — all before an SMTP session opens — then
// sends the batch over one session (MailTransport::sendBatch) and records each mail's outcome
// alone, in its own commit, as soon as the server has answered for it and before the next mail
// goes out: SENT (secret erased), a retry with exponential back-off, or FAILED once the mail's
// give-up time has passed or the server refused it for good (RFC 5321 §4.2.1: 5xx is final).
// The SENT commit is one UPDATE of one row: the span between the server's 250 and that commit is
// the only one in which a crash (kill -9) leads to a second copy, with the same Message-ID. A
// temporary failure ends the batch (the server or the session is in trouble): the mails not yet
// tried go back to the queue uncounted. Each mail keeps one Message-ID for all its attempts.
// `connections` threads each run this loop with their own session; each sleeps until the next
// mail falls due or wake() is called. Thread-safe.
class OutboxSender {
 public:
  OutboxSender(engine::Store& store, const TemplateSet& templates, MailTransport& transport,
               const engine::SecretBox& sealer, const engine::Clock& clock,
               SenderSettings settings);
  ~OutboxSender();
  OutboxSender(const OutboxSender&) = delete;
  OutboxSender& operator=(const OutboxSender&) = delete;

  // Which language each recipient's mails are in: email -> a tag the templates have ("" or a
  // missing email: English). Called once per claimed batch with the batch's recipients (one
  // store read for the batch, not one per mail), from the sender threads, before rendering; if
  // it throws, the batch goes back to the queue untried. Set before start().
  using LanguagesOf =
      std::function<std::map<std::string, std::string>(const std::vector<std::string>& emails)>;
  void setLanguagesOf(LanguagesOf languagesOf) { _languagesOf = std::move(languagesOf); }

  void start();
  void stop();
  // Something was enqueued: look now.
  void wake();
  // Sends what is due now; returns how many mails were attempted.
  int drainOnce();
  // At start-up, before the leases of the last run are released: marks SENT every mail the
  // journal says the server accepted (the process died before the store knew). Returns how many.
  int recover();

 private:
  void run();
  // A claimed batch made ready to send: the rows that rendered, their messages, and each
  // mail's key (only to cut it out of error text). Mails that cannot be opened or rendered
  // are recorded as failed and left out.
  struct Batch {
    std::vector<const engine::OutboxMail*> rows;
    std::vector<OutgoingMail> out;
    std::vector<std::string> secrets;
  };
  Batch prepare(const std::vector<engine::OutboxMail>& due);
  // prepare() and writeSubjects(); when either throws, the whole claimed batch goes back to
  // the queue (nothing has gone out yet) and the exception goes on.
  Batch prepareOrPutBack(const std::vector<engine::OutboxMail>& due);
  // Gives the batch's rows[from..] back to the queue, due at once and not counted as tried.
  void putBackFrom(const Batch& batch, size_t from);
  // Records the batch's subjects for the mail log (one commit).
  void writeSubjects(const Batch& batch);
  // Extends the lease of rows[from..] to `until`; false when another instance took one.
  bool renewLeases(const std::vector<const engine::OutboxMail*>& rows, size_t from, int64_t until);
  // Stores and logs a failed attempt; `secret` (the mail's key, if any) and approver link tokens
  // are cut out of the server's reply first.
  void recordFailure(const engine::OutboxMail& m, const TransportError& e,
                     const std::string& secret = "");
  // Commits the SENT marks of `sent` (id, acceptance time) in one transaction; what cannot be
  // committed now is kept and tried again before the next batch.
  void recordSent(std::vector<std::pair<std::string, int64_t>>& sent);
  // Puts claimed mails that never reached the transport back in the queue (due at once). A
  // store failure must not leave them under this instance's lease until it runs out (2
  // minutes): what cannot be put back now is kept and tried again before the next claim.
  // Never throws.
  void putBack(std::vector<std::string> ids);

  engine::Store& _store;
  const TemplateSet& _templates;
  MailTransport& _transport;
  const engine::SecretBox& _sealer;
  const engine::Clock& _clock;
  const SenderSettings _settings;
  LanguagesOf _languagesOf;
  std::mutex _m;
  std::condition_variable _cv;
  bool _stopping = false;
  uint64_t _wakes = 0;  // bumped by wake(): every thread sees it
  std::vector<std::thread> _threads;
  std::unique_ptr<SentJournal> _journal;
  std::vector<std::pair<std::string, int64_t>> _unrecorded;  // guarded by _m
  std::vector<std::string> _unreleased;                      // guarded by _m
};

}  // namespace keywarden::mail
