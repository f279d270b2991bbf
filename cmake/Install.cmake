# What `cmake --install` puts under the prefix, the CMake package
# (find_package(gops CONFIG) -> gops::agent, gops::heap_sampler), the
# pkg-config file gops-agent.pc, the shell completions and the .deb (CPack).
# Included from the top-level CMakeLists.txt after every target exists.
# (The gops binary and the man page are installed next to their target, in
# src/cli/CMakeLists.txt.)

include(CMakePackageConfigHelpers)

set(GOPS_PACKAGE_DIR ${CMAKE_BINARY_DIR}/gops-package)
set(GOPS_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/gops)

# --- One archive per installed static library ------------------------------
# The agent links the project's own static libraries (protocol, netsock,
# pprof, ...) privately. A consumer of a static library needs them too; rather
# than installing and exporting each internal library (their names and
# number are our business and change), every installed static library is one
# self-contained archive: its own objects plus those of the internal static
# libraries it links, found by walking its link libraries. What is left
# outside are the real system dependencies (libunwind, libdw, zlib, threads,
# dl), which the package config and the .pc file name.

# Known external link items, one a line:
#   <link item here>|<what the package config runs to find it>|<what consumers link>|module:<pkg-config module> or flag:<linker flag>
# A static library's dependencies are needed by every consumer, so they are
# `Requires`/`Libs` of the .pc file, not the .private fields (which a plain
# `pkg-config --libs` skips).
set(GOPS_KNOWN_EXTERNALS
  "PkgConfig::LIBUNWIND|gops_find_module(gops_libunwind libunwind libunwind-dev)|PkgConfig::gops_libunwind|module:libunwind"
  "PkgConfig::LIBDW|gops_find_module(gops_libdw libdw libdw-dev)|PkgConfig::gops_libdw|module:libdw"
  "ZLIB::ZLIB|find_dependency(ZLIB)|ZLIB::ZLIB|module:zlib"
  "Threads::Threads|find_dependency(Threads)|Threads::Threads|flag:-pthread"
  "dl||dl|flag:-ldl"
  "m||m|flag:-lm")

# gops_link_closure(TARGET OUT_INTERNAL OUT_EXTERNAL): the project's static
# libraries TARGET links (directly or through others), and every other link
# item (imported targets, plain library names).
function(gops_link_closure target out_internal out_external)
  set(internal)
  set(external)
  set(todo ${target})
  set(seen)
  while(todo)
    list(POP_FRONT todo current)
    if(current IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${current})
    get_target_property(type ${current} TYPE)
    if(type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(libs ${current} INTERFACE_LINK_LIBRARIES)
    else()
      get_target_property(libs ${current} LINK_LIBRARIES)
    endif()
    if(NOT libs)
      set(libs)
    endif()
    foreach(lib IN LISTS libs)
      if(lib MATCHES "^\\$<LINK_ONLY:(.*)>$")
        set(lib ${CMAKE_MATCH_1})
      endif()
      if(TARGET ${lib})
        get_target_property(aliased ${lib} ALIASED_TARGET)
        if(aliased)
          set(lib ${aliased})
        endif()
        get_target_property(imported ${lib} IMPORTED)
        get_target_property(lib_type ${lib} TYPE)
        if(imported)
          # Header-only imported targets (protozero, fmt-header-only) are
          # used at our compile time only.
          get_target_property(lib_libs ${lib} INTERFACE_LINK_LIBRARIES)
          if(lib_type STREQUAL "INTERFACE_LIBRARY" AND NOT lib_libs
             AND NOT lib MATCHES "^(Threads::Threads)$")
            continue()
          endif()
          list(APPEND external ${lib})
        else()
          if(lib_type STREQUAL "STATIC_LIBRARY")
            list(APPEND internal ${lib})
          endif()
          list(APPEND todo ${lib})
        endif()
      else()
        list(APPEND external ${lib})
      endif()
    endforeach()
  endwhile()
  list(REMOVE_DUPLICATES internal)
  list(REMOVE_DUPLICATES external)
  set(${out_internal} ${internal} PARENT_SCOPE)
  set(${out_external} ${external} PARENT_SCOPE)
endfunction()

# gops_external_deps(EXTERNALS OUT_CMAKE OUT_LINK OUT_PC_REQUIRES OUT_PC_LIBS):
# what the package config and the .pc file say for those link items.
function(gops_external_deps externals out_cmake out_link out_requires out_libs)
  set(cmake_lines)
  set(link)
  set(requires)
  set(pc_libs)
  foreach(item IN LISTS externals)
    set(known FALSE)
    foreach(entry IN LISTS GOPS_KNOWN_EXTERNALS)
      string(REPLACE "|" ";" fields "${entry}")
      list(GET fields 0 name)
      if(name STREQUAL item)
        list(GET fields 1 code)
        list(GET fields 2 imported)
        list(GET fields 3 pc)
        if(code)
          string(APPEND cmake_lines "${code}\n")
        endif()
        list(APPEND link ${imported})
        if(pc MATCHES "^module:(.*)")
          list(APPEND requires ${CMAKE_MATCH_1})
        elseif(pc MATCHES "^flag:(.*)")
          list(APPEND pc_libs ${CMAKE_MATCH_1})
        endif()
        set(known TRUE)
      endif()
    endforeach()
    if(NOT known)
      message(WARNING "cmake/Install.cmake: the installed package does not know the link "
                      "dependency '${item}': add it to GOPS_KNOWN_EXTERNALS")
    endif()
  endforeach()
  list(JOIN requires " " requires)
  list(JOIN pc_libs " " pc_libs)
  set(${out_cmake} "${cmake_lines}" PARENT_SCOPE)
  set(${out_link} "${link}" PARENT_SCOPE)
  set(${out_requires} "${requires}" PARENT_SCOPE)
  set(${out_libs} "${pc_libs}" PARENT_SCOPE)
endfunction()

# gops_combined_archive(TARGET OUTPUT_NAME OUT_EXTERNALS): builds
# gops-package/lib<OUTPUT_NAME>.a (TARGET's objects and its internal static
# libraries', merged with an ar MRI script: members keep their names even
# when two libraries have a file of the same name) and installs it.
function(gops_combined_archive target output_name out_externals)
  gops_link_closure(${target} internal external)
  set(archive ${GOPS_PACKAGE_DIR}/lib${output_name}.a)
  set(script "CREATE ${archive}\nADDLIB $<TARGET_FILE:${target}>\n")
  set(inputs $<TARGET_FILE:${target}>)
  foreach(lib IN LISTS internal)
    string(APPEND script "ADDLIB $<TARGET_FILE:${lib}>\n")
    list(APPEND inputs $<TARGET_FILE:${lib}>)
  endforeach()
  string(APPEND script "SAVE\nEND\n")
  file(GENERATE OUTPUT ${GOPS_PACKAGE_DIR}/${output_name}.mri CONTENT "${script}")
  add_custom_command(
    OUTPUT ${archive}
    COMMAND ${CMAKE_COMMAND} -E rm -f ${archive}
    COMMAND sh -c "\"$0\" -M < \"$1\"" ${CMAKE_AR} ${GOPS_PACKAGE_DIR}/${output_name}.mri
    DEPENDS ${target} ${internal} ${inputs} ${GOPS_PACKAGE_DIR}/${output_name}.mri
    COMMENT "Combining ${target} and its internal libraries into lib${output_name}.a"
    VERBATIM)
  add_custom_target(${target}_combined ALL DEPENDS ${archive})
  install(FILES ${archive} DESTINATION ${CMAKE_INSTALL_LIBDIR})
  # `cmake --install --strip` and CPack (CPACK_STRIP_FILES) strip executables
  # and shared objects only: drop the archive's debug info there too, as
  # Debian does for static libraries (21 MB -> a few MB), keeping its symbols.
  set(libdir "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}")
  if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    set(libdir "${CMAKE_INSTALL_LIBDIR}")
  endif()
  install(CODE "if(CMAKE_INSTALL_DO_STRIP)
  execute_process(COMMAND \"${CMAKE_STRIP}\" --strip-debug \"\$ENV{DESTDIR}${libdir}/lib${output_name}.a\"
    COMMAND_ERROR_IS_FATAL ANY)
endif()")
  set(${out_externals} ${external} PARENT_SCOPE)
endfunction()

# --- The agent ---------------------------------------------------------------
gops_combined_archive(gops_agent gops_agent agent_externals)
gops_external_deps("${agent_externals}" unused GOPS_AGENT_LINK GOPS_AGENT_PC_REQUIRES GOPS_AGENT_PC_LIBS)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/gops DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
set(all_externals ${agent_externals})

# --- The heap sampler (when built) ------------------------------------------
# Two forms: the static library a program links (gops::heap_sampler, with the
# link options that pull its hooks in), and the shared object for
# LD_PRELOAD (gops::heap_sampler_preload, lib/libgops_heap_sampler.so). Its C
# header goes to the include root, as it is included in the tree.
set(GOPS_HEAP_SAMPLER_CONFIG "")
if(TARGET gops_heap_sampler)
  gops_combined_archive(gops_heap_sampler gops_heap_sampler heap_externals)
  gops_external_deps("${heap_externals}" unused heap_link unused unused)
  list(APPEND all_externals ${heap_externals})
  get_target_property(heap_link_options gops_heap_sampler INTERFACE_LINK_OPTIONS)
  if(NOT heap_link_options)
    set(heap_link_options "")
  endif()
  install(FILES ${PROJECT_SOURCE_DIR}/src/heap_sampler/gops_heap_sampler.h
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  string(APPEND GOPS_HEAP_SAMPLER_CONFIG
"if(NOT TARGET gops::heap_sampler)
  add_library(gops::heap_sampler STATIC IMPORTED)
  set_target_properties(gops::heap_sampler PROPERTIES
    IMPORTED_LOCATION \"\${PACKAGE_PREFIX_DIR}/${CMAKE_INSTALL_LIBDIR}/libgops_heap_sampler.a\"
    IMPORTED_LINK_INTERFACE_LANGUAGES CXX
    INTERFACE_INCLUDE_DIRECTORIES \"\${PACKAGE_PREFIX_DIR}/${CMAKE_INSTALL_INCLUDEDIR}\"
    INTERFACE_LINK_LIBRARIES \"${heap_link}\"
    INTERFACE_LINK_OPTIONS \"${heap_link_options}\")
endif()
")
endif()
if(TARGET gops_heap_sampler_preload)
  install(TARGETS gops_heap_sampler_preload LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  string(APPEND GOPS_HEAP_SAMPLER_CONFIG
"if(NOT TARGET gops::heap_sampler_preload)
  add_library(gops::heap_sampler_preload SHARED IMPORTED)
  set_target_properties(gops::heap_sampler_preload PROPERTIES
    IMPORTED_LOCATION \"\${PACKAGE_PREFIX_DIR}/${CMAKE_INSTALL_LIBDIR}/$<TARGET_FILE_NAME:gops_heap_sampler_preload>\"
    IMPORTED_NO_SONAME TRUE)
endif()
")
endif()

# What the config file finds before it defines the targets.
list(REMOVE_DUPLICATES all_externals)
gops_external_deps("${all_externals}" GOPS_FIND_DEPS unused unused unused)

# --- CMake package -----------------------------------------------------------
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/gopsConfig.cmake.in
  ${GOPS_PACKAGE_DIR}/gopsConfig.cmake.genex
  INSTALL_DESTINATION ${GOPS_CMAKE_INSTALL_DIR})
# Second pass for the generator expressions (file names of targets).
file(GENERATE OUTPUT ${GOPS_PACKAGE_DIR}/gopsConfig.cmake
     INPUT ${GOPS_PACKAGE_DIR}/gopsConfig.cmake.genex)
# 0.x: a minor version may break the API.
write_basic_package_version_file(${GOPS_PACKAGE_DIR}/gopsConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${GOPS_PACKAGE_DIR}/gopsConfig.cmake ${GOPS_PACKAGE_DIR}/gopsConfigVersion.cmake
        DESTINATION ${GOPS_CMAKE_INSTALL_DIR})

# --- pkg-config --------------------------------------------------------------
# The prefix is found from the .pc file's own place (${pcfiledir}), so the
# file stays right under `cmake --install --prefix`, DESTDIR and dpkg -x.
set(pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(GOPS_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH rel "/root/${pc_dir}" "/root")
  string(REGEX REPLACE "/$" "" rel "${rel}")
  set(GOPS_PC_PREFIX "\${pcfiledir}/${rel}")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/gops-agent.pc.in ${GOPS_PACKAGE_DIR}/gops-agent.pc @ONLY)
install(FILES ${GOPS_PACKAGE_DIR}/gops-agent.pc DESTINATION ${pc_dir})

# --- Shell completions -------------------------------------------------------
# Generated by the gops just built, so they always match its commands.
set(GOPS_BASH_COMPLETION_DIR ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
    CACHE STRING "Where the bash completion of gops is installed")
set(GOPS_ZSH_COMPLETION_DIR ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions
    CACHE STRING "Where the zsh completion of gops (_gops) is installed")
set(GOPS_FISH_COMPLETION_DIR ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d
    CACHE STRING "Where the fish completion of gops is installed")
if(NOT CMAKE_CROSSCOMPILING)
  set(completions)
  foreach(shell_file bash:gops zsh:_gops fish:gops.fish)
    string(REPLACE ":" ";" parts ${shell_file})
    list(GET parts 0 shell)
    list(GET parts 1 file)
    set(out ${GOPS_PACKAGE_DIR}/completions/${shell}/${file})
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${GOPS_PACKAGE_DIR}/completions/${shell}
      COMMAND sh -c "\"$0\" completion \"$1\" > \"$2\"" $<TARGET_FILE:gops> ${shell} ${out}
      DEPENDS gops
      COMMENT "gops completion ${shell}"
      VERBATIM)
    list(APPEND completions ${out})
    string(TOUPPER ${shell} SHELL)
    install(FILES ${out} DESTINATION ${GOPS_${SHELL}_COMPLETION_DIR})
  endforeach()
  add_custom_target(gops_completions ALL DEPENDS ${completions})
endif()

# --- .deb (cpack -G DEB in the build tree) ----------------------------------
set(GOPS_PACKAGE_MAINTAINER "gops C++ maintainers <gops-cpp@example.org>"
    CACHE STRING "Maintainer field of the .deb")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME gops)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
  "gops lists the Go and C++ processes on a machine and diagnoses them over the gops
wire protocol; libgops_agent.a lets a C++ program be diagnosed the way the Go
gops agent lets a Go program be.")
set(CPACK_PACKAGE_CONTACT "${GOPS_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${GOPS_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# Depends from the shared libraries the binaries link (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Linking the agent needs these; running gops does not.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libdw-dev, libunwind-dev, pkg-config")
# Executables and shared objects without their debug info (the static
# libraries, installed as files, keep their symbols).
set(CPACK_STRIP_FILES ON)
# `cpack --config CPackSourceConfig.cmake`: the sources, not the build trees.
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/build/" "/\\.git/" "/node_modules/" "/\\.cache/")
include(CPack)
