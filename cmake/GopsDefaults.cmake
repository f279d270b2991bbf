# Project-wide compile settings, applied per target so that nothing leaks
# into consumers of the installed agent library.

set(GOPS_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference -Werror)

if(GOPS_SANITIZE)
  add_compile_options(-fsanitize=${GOPS_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${GOPS_SANITIZE})
endif()

# gops_defaults(TARGET): warnings as errors and the project's include root.
function(gops_defaults target)
  target_compile_options(${target} PRIVATE ${GOPS_WARNINGS})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src)
endfunction()
