#include "api/LogContext.h"

namespace keywarden::api {

namespace {
thread_local std::string tKeyId;
thread_local std::string tTenant;
}  // namespace

const std::string& LogContext::keyId() {
  return tKeyId;
}
const std::string& LogContext::tenant() {
  return tTenant;
}

LogContext::Scope::Scope(std::string_view keyId, std::string_view tenant)
    : _keyId(std::move(tKeyId)), _tenant(std::move(tTenant)) {
  tKeyId.assign(keyId);
  tTenant.assign(tenant);
}

LogContext::Scope::~Scope() {
  tKeyId = std::move(_keyId);
  tTenant = std::move(_tenant);
}

}  // namespace keywarden::api
