#include "core/result.h"

namespace parley::core {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return "invalid_input";
    case ErrorCode::kUsage:
      return "usage";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

int exitCodeFor(const Error& e) {
  return (e.code == ErrorCode::kInvalidInput || e.code == ErrorCode::kUsage) ? 2 : 1;
}

}  // namespace parley::core
