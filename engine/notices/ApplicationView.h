#pragma once

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/Application.h"
#include "engine/model/Key.h"
#include "engine/ports/CatalogRepository.h"

namespace keywarden::engine {

// The one view of an application and of a key that mails (engine/notices/Notices) and the
// approver link pages (api/ApprovalPages) render (docs/API.md §9.1): what it asks for — each
// API by name with method and path, groups with their APIs, scopes, whether it is unrestricted
// —, validity and quota, the flow's current level with its rule, timeout and next step, the
// decisions and comments of this round and the whole history. Every sentence in it is a phrase
// (engine/text/Phrase, ids of templates/strings.json), said in the reader's language when the
// template renders; names, addresses and RFC 3339 times are values. Reads the catalog only.
// Stateless; thread-safe.
class ApplicationView {
 public:
  static Poco::JSON::Object::Ptr application(CatalogRepository& catalog, const Application& a,
                                             const std::string& baseUrl);
  static Poco::JSON::Object::Ptr key(CatalogRepository& catalog, const Key& k,
                                     const std::string& baseUrl);
  // The decisions since the application last entered review, the approvers' comments and who
  // approved it (or that its flow has no levels): `flowName`, `decisions`, `comments`,
  // `approvalText` …; and `history`: every entry, oldest first.
  static void addHistory(Poco::JSON::Object::Ptr c, const Application& a);
  // The body of a new application asking for a key like `k` again (POST /v1/applications, §6.5),
  // as a phrase: its `description` is a placeholder in the reader's language
  // (templates' "sample.newApplication").
  static Poco::JSON::Object::Ptr newApplicationJson(const Key& k);
  // When the application entered its current level: its last (re)submission for level 1, else
  // the (last, so completing) approval at the level before.
  static int64_t levelEnteredAt(const Application& a);
};

}  // namespace keywarden::engine
