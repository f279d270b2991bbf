# Project-wide compile settings, applied per target so that nothing leaks
# into consumers of the installed agent library.

option(GOPS_WERROR "Treat warnings as errors (the presets and CI turn it on)" OFF)

set(GOPS_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wmissing-declarations
    -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference)
if(GOPS_WERROR)
  list(APPEND GOPS_WARNINGS -Werror)
endif()

if(GOPS_SANITIZE)
  add_compile_options(-fsanitize=${GOPS_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${GOPS_SANITIZE})
endif()

# LLVM's lld links the project's large, debug-info-heavy executables three
# to four times faster than the default BFD linker (5 s against 18 s for
# gops here); the build links about 80 executables per preset. Used when
# the compiler accepts it; GOPS_LINKER= (empty) keeps the default linker.
include(CheckLinkerFlag)
check_linker_flag(CXX -fuse-ld=lld GOPS_HAVE_LLD)
if(GOPS_HAVE_LLD)
  set(GOPS_LINKER lld CACHE STRING "Linker passed as -fuse-ld= (empty: the compiler's default)")
else()
  set(GOPS_LINKER "" CACHE STRING "Linker passed as -fuse-ld= (empty: the compiler's default)")
endif()
if(GOPS_LINKER)
  # lld's default build ID is an 8-byte hash; Debian's tools, debuginfod
  # and the tests expect GNU ld's 20-byte SHA-1.
  add_link_options(-fuse-ld=${GOPS_LINKER} -Wl,--build-id=sha1)
endif()

# libFuzzer needs coverage from the code under test, not only from the
# harness: every object is instrumented (the harnesses add -fsanitize=fuzzer).
if(GOPS_BUILD_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# gops_defaults(TARGET): the project's warnings and include root.
function(gops_defaults target)
  target_compile_options(${target} PRIVATE ${GOPS_WARNINGS})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src)
endfunction()
