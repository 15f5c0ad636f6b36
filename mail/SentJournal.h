#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace keywarden::mail {

// An append-only file of the ids of mails the SMTP server has accepted but whose SENT mark may
// not be committed to the store yet: the outbox sender writes a mail's id here right after the
// server's 250 (RFC 5321 §4.2.5: the server now holds the mail), before anything else, with one
// write(2) — a few microseconds, never waiting for the store's writer or its fsync. A process
// killed at any instant after that write leaves the id in the kernel's page cache, so the next
// start marks the mail SENT instead of sending it again (recover()). It is not fsynced: after a
// power loss an entry can be missing, and its mail may then go out a second time (same
// Message-ID) — never be lost. Entries are dropped once the store holds the SENT marks (done()).
// Errors: the constructor throws std::runtime_error when the file cannot be opened; append()
// returns false when the write fails (the store commit then is the only record).
// Thread-safe.
class SentJournal {
 public:
  explicit SentJournal(std::string path);
  ~SentJournal();
  SentJournal(const SentJournal&) = delete;
  SentJournal& operator=(const SentJournal&) = delete;

  // Every id written and not dropped since, oldest first (a torn last line is ignored).
  std::vector<std::string> read() const;
  bool append(const std::string& id);
  // `n` appended ids are now SENT in the store; when none is outstanding, the file is emptied.
  void done(size_t n);
  // Empties the file (after recover() has applied what read() returned).
  void clear();
  const std::string& path() const { return _path; }

 private:
  const std::string _path;
  int _fd = -1;
  mutable std::mutex _m;
  size_t _outstanding = 0;  // guarded by _m
};

}  // namespace keywarden::mail
