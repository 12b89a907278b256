// Result<T>: a value or an Error{code, message}. Expected failures (bad input, unavailable
// store, dead subprocess) travel as Results; invariants use assert. Only apps/ turns an Error
// into an exit code: kInvalidInput and kUsage map to 2, the rest to 1.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace parley::core {

enum class ErrorCode {
  kInvalidInput,  // malformed or out-of-range data from a user or peer
  kUsage,         // a command line or API used wrongly
  kNotFound,
  kUnavailable,  // a dependency (store, subprocess, device) cannot be reached now
  kInternal,
};

const char* errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  static Error invalid(std::string m) { return {ErrorCode::kInvalidInput, std::move(m)}; }
  static Error usage(std::string m) { return {ErrorCode::kUsage, std::move(m)}; }
  static Error notFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Error unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
  static Error internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }
};

// Exit status for a command that failed with this error (house rule: 2 usage/invalid, 1 other).
int exitCodeFor(const Error& e);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  T valueOr(T fallback) const { return ok() ? std::get<0>(v_) : std::move(fallback); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>
struct Ok {};
using Status = Result<Ok>;
inline Status okStatus() { return Ok{}; }

}  // namespace parley::core
