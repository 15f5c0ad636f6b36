# Turns docs/openapi.json into a C++ source so the binary serves the document it was built with.
file(READ ${IN} content)
set(delim "KWOPENAPI")
file(WRITE ${OUT} "// Generated from docs/openapi.json; do not edit.\n#include \"api/OpenApiDocument.h\"\n\nnamespace keywarden::api {\nconst char* openApiDocument() {\n  return R\"${delim}(${content})${delim}\";\n}\n}  // namespace keywarden::api\n")
