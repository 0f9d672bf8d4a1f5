#pragma once
// The one error type of the library: every check returns it, and the two ABIs (ORT statuses,
// the pool's C status codes) translate it at their edge, so nothing throws across them.
#include <sstream>
#include <string>
#include <utility>

#include "lckv_pool.h"

namespace lckv {

class Status {
 public:
  Status() = default;
  Status(int code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == LCKV_OK; }
  int code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  int code_ = LCKV_OK;
  std::string message_;
};

template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

template <typename... Parts>
Status invalid(const Parts&... parts) {
  return Status(LCKV_ERR_INVALID_ARGUMENT, concat(parts...));
}

}  // namespace lckv
