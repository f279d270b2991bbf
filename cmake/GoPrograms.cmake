# Builds Go test programs with the system Go toolchain (Debian's golang-go)
# at build time. Test peers only: nothing here is part of the product.
#
# gops_go_program(NAME <target> DIR <module dir> OUTPUT <file>
#                 [LDFLAGS ...] [FLAGS ...] [CGO 0|1])

find_program(GO_EXECUTABLE go)
set(GOPS_GO_CACHE ${CMAKE_BINARY_DIR}/go-cache)
set(GOPS_GO_DIR ${CMAKE_BINARY_DIR}/go-bin)

function(gops_go_program)
  cmake_parse_arguments(G "" "NAME;DIR;OUTPUT;CGO" "LDFLAGS;FLAGS" ${ARGN})
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
  add_custom_command(
    OUTPUT ${G_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -E env
            GOCACHE=${GOPS_GO_CACHE} GOPATH=${CMAKE_BINARY_DIR}/go-path
            GOPROXY=off GOFLAGS=-mod=mod GO111MODULE=on GOTOOLCHAIN=local
            CGO_ENABLED=${G_CGO}
            ${GO_EXECUTABLE} build -buildvcs=false ${G_FLAGS} ${ldflags} -o ${G_OUTPUT} .
    WORKING_DIRECTORY ${G_DIR}
    DEPENDS ${srcs}
    COMMENT "go build ${G_NAME}"
    VERBATIM)
  add_custom_target(${G_NAME} ALL DEPENDS ${G_OUTPUT})
endfunction()
