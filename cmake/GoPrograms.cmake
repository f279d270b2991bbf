# Builds Go test programs with the system Go toolchain (Debian's golang-go)
# at build time. Test peers only: nothing here is part of the product.
#
# gops_go_program(NAME <target> DIR <module dir> OUTPUT <file>
#                 [LDFLAGS ...] [FLAGS ...] [CGO 0|1]
#                 [GOROOT <dir> GOCACHE <dir>])   another toolchain (scripts/fetch-go-toolchains.sh)

find_program(GO_EXECUTABLE go)
set(GOPS_GO_DIR ${CMAKE_BINARY_DIR}/go-bin)

function(gops_go_program)
  cmake_parse_arguments(G "" "NAME;DIR;OUTPUT;CGO;GOROOT;GOCACHE" "LDFLAGS;FLAGS" ${ARGN})
  if(NOT GO_EXECUTABLE)
    message(FATAL_ERROR "go not found: run scripts/setup.sh (installs golang-go)")
  endif()
  if(NOT DEFINED G_CGO)
    set(G_CGO 0)
  endif()
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${G_DIR}/*.go ${G_DIR}/go.mod)
  set(ldflags)
  if(G_LDFLAGS)
    list(JOIN G_LDFLAGS " " joined)
    set(ldflags "-ldflags=${joined}")
  endif()
  set(go ${GO_EXECUTABLE})
  set(gocache ${GOPS_GO_CACHE})
  set(goroot)
  if(G_GOROOT)
    set(go ${G_GOROOT}/bin/go)
    set(goroot GOROOT=${G_GOROOT})
    set(gocache ${G_GOCACHE})
  endif()
  add_custom_command(
    OUTPUT ${G_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -E env
            ${goroot} GOCACHE=${gocache} GOPATH=${CMAKE_BINARY_DIR}/go-path
            GOPROXY=off GOFLAGS=-mod=mod GO111MODULE=on GOTOOLCHAIN=local
            CGO_ENABLED=${G_CGO}
            ${go} build -buildvcs=false ${G_FLAGS} ${ldflags} -o ${G_OUTPUT} .
    WORKING_DIRECTORY ${G_DIR}
    DEPENDS ${srcs}
    COMMENT "go build ${G_NAME}"
    VERBATIM)
  add_custom_target(${G_NAME} ALL DEPENDS ${G_OUTPUT})
endfunction()

# The toolchains scripts/fetch-go-toolchains.sh unpacked: GOPS_GO_TOOLCHAINS
# lists "RELEASE;GOROOT" pairs (e.g. 1.27 and its GOROOT), empty when none.
set(GOPS_GO_TOOLCHAINS_DIR "" CACHE PATH "Where scripts/fetch-go-toolchains.sh put other Go releases (default: its own default)")
set(toolchains_dir ${GOPS_GO_TOOLCHAINS_DIR})
if(NOT toolchains_dir)
  if(DEFINED ENV{GOPS_GO_TOOLCHAINS_DIR})
    set(toolchains_dir $ENV{GOPS_GO_TOOLCHAINS_DIR})
  elseif(DEFINED ENV{XDG_CACHE_HOME})
    set(toolchains_dir $ENV{XDG_CACHE_HOME}/gops-go-toolchains)
  else()
    set(toolchains_dir $ENV{HOME}/.cache/gops-go-toolchains)
  endif()
endif()
set(GOPS_GO_TOOLCHAINS)
file(GLOB toolchain_dirs LIST_DIRECTORIES true ${toolchains_dir}/go-1.*)
foreach(dir ${toolchain_dirs})
  get_filename_component(name ${dir} NAME)
  string(REGEX REPLACE "^go-" "" release ${name})
  if(EXISTS ${dir}/usr/lib/go-${release}/bin/go)
    list(APPEND GOPS_GO_TOOLCHAINS ${release} ${dir}/usr/lib/go-${release})
  endif()
endforeach()
set(GOPS_GO_TOOLCHAINS_CACHE ${toolchains_dir}/go-build-cache)
# Debian's Go shares that cache too: every preset builds the same Go peers,
# and the -trimpath and PIE builds recompile the standard library, which
# the second preset then finds cached.
set(GOPS_GO_CACHE ${GOPS_GO_TOOLCHAINS_CACHE}/system)
