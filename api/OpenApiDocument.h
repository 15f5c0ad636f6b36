#pragma once

namespace keywarden::api {

// docs/openapi.json as built into the binary (generated source).
const char* openApiDocument();

}  // namespace keywarden::api
