#pragma once
/// @file client/loaded.hpp
/// A relation field of a generated model: holds the related rows only when the call asked for
/// them (`include`). Reading one that was not loaded throws NotLoaded naming it — where a bare
/// vector would say "no posts", this says "not asked for".

#include <memory>
#include <string>
#include <utility>

#include "pgkit/error.hpp"

namespace pgkit::client {

/// A relation read without `include`.
class NotLoaded : public UsageError {
  using UsageError::UsageError;
};

[[noreturn]] void throw_not_loaded(const char* relation);

/// T is the related model (a required to-one relation), std::optional of it (optional to-one)
/// or std::vector of it (to-many). Held on the heap, so models may refer to each other; copies
/// are deep.
template <class T>
class Loaded {
 public:
  explicit Loaded(const char* relation = "relation") : relation_(relation) {}
  Loaded(const Loaded& other) : relation_(other.relation_) {
    if (other.value_) value_ = std::make_unique<T>(*other.value_);
  }
  Loaded(Loaded&&) noexcept = default;
  Loaded& operator=(const Loaded& other) {
    if (this != &other) {
      relation_ = other.relation_;
      value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
    }
    return *this;
  }
  Loaded& operator=(Loaded&&) noexcept = default;
  ~Loaded() = default;

  bool loaded() const noexcept { return value_ != nullptr; }
  /// The rows. @throws NotLoaded when the call did not include this relation
  const T& get() const {
    if (!value_) throw_not_loaded(relation_);
    return *value_;
  }
  T& get() {
    if (!value_) throw_not_loaded(relation_);
    return *value_;
  }
  const T& operator*() const { return get(); }
  T& operator*() { return get(); }
  const T* operator->() const { return &get(); }
  T* operator->() { return &get(); }
  void set(T value) { value_ = std::make_unique<T>(std::move(value)); }
  void reset() noexcept { value_.reset(); }
  const char* relation() const noexcept { return relation_; }

 private:
  const char* relation_;
  std::unique_ptr<T> value_;
};

}  // namespace pgkit::client
