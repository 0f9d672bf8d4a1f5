#include <dlfcn.h>
#include <gtest/gtest.h>
#include <onnxruntime_c_api.h>

#include <cstring>

#include "version.h"

namespace {

TEST(Library, ExportsRegistrationAndVersion) {
  void* lib = dlopen(LCKV_OPS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  EXPECT_NE(dlsym(lib, "RegisterCustomOps"), nullptr);
  using VersionFn = const char* (*)();
  auto version = reinterpret_cast<VersionFn>(dlsym(lib, "lckv_ops_version"));
  ASSERT_NE(version, nullptr);
  EXPECT_STREQ(version(), lckv::kVersion);
  dlclose(lib);
}

}  // namespace
