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
  for (const char* name : {"lckv_pool_bytes_per_block", "lckv_pool_create", "lckv_pool_destroy",
                           "lckv_pool_stats", "lckv_pool_write_slots", "lckv_pool_read_slots",
                           "lckv_last_error", "lckv_ops_cuda_available"}) {
    EXPECT_NE(dlsym(lib, name), nullptr) << name;
  }
  // Internals stay hidden: Java binds only the C API.
  EXPECT_EQ(dlsym(lib, "_ZN4lckv11create_poolERKNS_10PoolConfigEPl"), nullptr);
  dlclose(lib);
}

}  // namespace
