// Expected-style results for recoverable errors.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace wheelfix::util {

// A recoverable error: a message that already names the file and the thing,
// e.g. "pkg/_ext.so: section header table runs past the end of the file".
struct Error {
  std::string message;
};

// Builds an Error from the pieces of a message.
template <typename... Parts>
Error make_error(Parts&&... parts) {
  std::string msg;
  (msg.append(std::forward<Parts>(parts)), ...);
  return Error{std::move(msg)};
}

// Holds either a value of T or an Error. Accessing the wrong alternative is a
// programming error (std::bad_variant_access), never a silent default.
// [[nodiscard]]: dropping a Result unread is a compile warning (an error with
// WHEELFIX_WERROR=ON); write `(void)` only where ignoring a failure is meant.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation that yields nothing but may fail.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace wheelfix::util

// Evaluates a Result expression; on error returns that error from the
// enclosing function, otherwise binds the value to `var`.
#define WF_CONCAT_INNER(a, b) a##b
#define WF_CONCAT(a, b) WF_CONCAT_INNER(a, b)
#define WF_TRY_IMPL(tmp, var, expr)                  \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return ::wheelfix::util::Error(tmp.error()); \
  var = std::move(tmp).value()
#define WF_TRY(var, expr) WF_TRY_IMPL(WF_CONCAT(wf_try_, __LINE__), var, expr)

// Evaluates a Status expression and returns its error from the enclosing
// function if it failed.
#define WF_CHECK(expr)                                        \
  do {                                                        \
    auto wf_status_ = (expr);                                 \
    if (!wf_status_.ok()) return ::wheelfix::util::Error(wf_status_.error()); \
  } while (0)
