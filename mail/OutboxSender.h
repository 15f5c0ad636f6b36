#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "engine/Clock.h"
#include "engine/OutboxMail.h"
#include "engine/SecretBox.h"
#include "engine/Store.h"
#include "mail/MailTransport.h"
#include "mail/TemplateSet.h"

namespace keywarden::mail {

struct SenderSettings {
  int64_t retryBaseMs = 1000;   // first retry after about a second, doubling…
  int64_t retryMaxMs = 300000;  // …up to smtp.retryMax
  int64_t leaseMs = 120000;     // a mail being sent is not taken again before this
  int batch = 20;
  // The longest the sender sleeps without looking at the outbox again: mails that another
  // instance on the same database enqueues wake nobody here.
  int64_t maxIdleMs = 60000;
  // Names this instance in the leases it takes: stable across restarts (host and port), so a
  // restarted instance can release the leases its previous run died holding.
  std::string owner;
};

// Drains the outbox: claims due mails (a lease, so two instances never send one mail), renders
// them, opens the sealed key if any, hands them to the transport, and records the outcome —
// SENT (secret erased), a retry with exponential back-off, or FAILED once the mail's give-up
// time has passed or the server refused it for good. Each mail keeps one Message-ID for all its
// attempts. One thread that sleeps until the next mail falls due or wake() is called.
class OutboxSender {
 public:
  OutboxSender(engine::Store& store, const TemplateSet& templates, MailTransport& transport,
               const engine::SecretBox& sealer, const engine::Clock& clock,
               SenderSettings settings);
  ~OutboxSender();
  OutboxSender(const OutboxSender&) = delete;
  OutboxSender& operator=(const OutboxSender&) = delete;

  void start();
  void stop();
  // Something was enqueued: look now.
  void wake();
  // Sends what is due now; returns how many mails were attempted.
  int drainOnce();

 private:
  void run();
  void deliver(const engine::OutboxMail& m);

  engine::Store& _store;
  const TemplateSet& _templates;
  MailTransport& _transport;
  const engine::SecretBox& _sealer;
  const engine::Clock& _clock;
  const SenderSettings _settings;
  std::mutex _m;
  std::condition_variable _cv;
  bool _stopping = false;
  bool _woken = false;
  std::thread _thread;
};

}  // namespace keywarden::mail
