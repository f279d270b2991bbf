// Rust symbol names as rustc 1.63 emits them (legacy and v0), demangled
// through libiberty; C++ and plain C names left to the C++ demangler.
#include <gtest/gtest.h>

#include "symbolize/process_symbolizer.hpp"
#include "symbolize/rust_demangle.hpp"

namespace gops::symbolize {
namespace {

TEST(RustDemangle, Legacy) {
  EXPECT_EQ(demangle_rust("_ZN14threads_target11rust_parked17h17774d6494166b14E"), "threads_target::rust_parked");
  // rustc's local symbols promoted by LLVM carry a suffix.
  EXPECT_EQ(demangle_rust("_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h10ba35396fafaa1aE.llvm.87361666"),
            "std::rt::lang_start::{{closure}}");
}

TEST(RustDemangle, V0) {
  EXPECT_EQ(demangle_rust("_RNvCs1234_7mycrate3foo"), "mycrate::foo");
}

TEST(RustDemangle, NotRust) {
  EXPECT_EQ(demangle_rust("_ZN4peer10park_innerEv"), std::nullopt);  // C++: no hash element
  EXPECT_EQ(demangle_rust("c_park_inner"), std::nullopt);
  EXPECT_EQ(demangle_rust("_R"), std::nullopt);
}

TEST(RustDemangle, NativeNamesPickTheirDemangler) {
  EXPECT_EQ(demangle_native("_ZN4peer10park_innerEv"), "peer::park_inner()");
  EXPECT_EQ(demangle_native("_RNvCs1234_7mycrate3foo"), "mycrate::foo");
  EXPECT_EQ(demangle_native("__libc_start_main@@GLIBC_2.34"), "__libc_start_main");
}

}  // namespace
}  // namespace gops::symbolize
