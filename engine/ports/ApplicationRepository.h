#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/model/Application.h"

namespace keywarden::engine {

struct AppFilter {
  std::string tenant;  // empty: any
  std::string clientId;
  std::string requester;
  std::optional<AppState> state;
};

// Applications, their decision history and order-number sequences. Methods run inside the
// caller's Transaction.
class ApplicationRepository {
 public:
  virtual ~ApplicationRepository() = default;
  virtual void insert(const Application& a) = 0;
  // Writes `a` if the stored version is still `expectedVersion`; false when another
  // transition got there first (the caller answers 409).
  virtual bool update(const Application& a, int64_t expectedVersion) = 0;
  // With its history, oldest first.
  virtual std::optional<Application> find(const std::string& id) = 0;
  // Without history.
  virtual std::vector<Application> list(const AppFilter& f) = 0;
  virtual void addDecision(const Decision& d) = 0;
  // The next value of the named counter (1, 2, …); runs in a write transaction.
  virtual int64_t nextSequence(const std::string& name) = 0;
  // Deletes finished applications (ISSUED, REJECTED, WITHDRAWN, TIMED_OUT) and their history
  // last changed before `before`; the audit trail stays. Returns how many.
  virtual int purge(int64_t before) = 0;
};

}  // namespace keywarden::engine
