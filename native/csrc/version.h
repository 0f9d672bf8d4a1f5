#pragma once

namespace lckv {

// The custom-op domain every node of a converted graph uses; the converter writes the same name.
inline constexpr const char* kDomain = "lckv";
// Bumped whenever the op contract in native/README.md changes; converted models record it.
inline constexpr const char* kVersion = "0.3.0";

}  // namespace lckv
