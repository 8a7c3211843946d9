# pgkit_generate_client(TARGET name SCHEMA path [NAMESPACE ns] [OUTPUT_DIR dir])
#
# A static library `name` holding the typed client `pgkit generate` writes from a schema.prisma
# (a file, or a folder of .prisma files), regenerated when the schema changes. Link it, then
# `#include "<ns>/client.hpp"` (docs/client.md). Works in pgkit's own tree, through
# add_subdirectory(pgkit), and through find_package(pgkit).
function(pgkit_generate_client)
  cmake_parse_arguments(arg "" "TARGET;SCHEMA;NAMESPACE;OUTPUT_DIR" "" ${ARGN})
  if(NOT arg_TARGET OR NOT arg_SCHEMA)
    message(FATAL_ERROR "pgkit_generate_client: TARGET and SCHEMA are required "
                        "(pgkit_generate_client(TARGET app_db SCHEMA prisma/schema.prisma))")
  endif()
  if(NOT arg_NAMESPACE)
    set(arg_NAMESPACE db)
  endif()
  if(NOT arg_OUTPUT_DIR)
    set(arg_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/${arg_TARGET}-generated)
  endif()
  get_filename_component(schema ${arg_SCHEMA} ABSOLUTE)
  if(IS_DIRECTORY ${schema})
    file(GLOB_RECURSE schema_files CONFIGURE_DEPENDS ${schema}/*.prisma)
  elseif(EXISTS ${schema})
    set(schema_files ${schema})
  else()
    message(FATAL_ERROR "pgkit_generate_client: no schema at ${schema} (SCHEMA names a file or folder)")
  endif()
  # The pgkit program: built in this tree, or the installed one beside this file's package.
  if(TARGET pgkit-cli)
    set(pgkit $<TARGET_FILE:pgkit-cli>)
    set(pgkit_dependency pgkit-cli)
  elseif(PGKIT_EXECUTABLE)
    set(pgkit ${PGKIT_EXECUTABLE})
    set(pgkit_dependency ${PGKIT_EXECUTABLE})
  else()
    message(FATAL_ERROR "pgkit_generate_client: no pgkit program (build pgkit with PGKIT_BUILD_APPS, "
                        "or find_package(pgkit) from an installed pgkit)")
  endif()
  string(REPLACE "::" "/" folder ${arg_NAMESPACE})
  set(dir ${arg_OUTPUT_DIR}/${folder})
  # pgkit generate leaves a file alone when its text is the same, so a schema change rebuilds
  # only what it changed; client.hpp and client.cpp are touched so the rule is seen as done.
  add_custom_command(
    OUTPUT ${dir}/client.hpp ${dir}/client.cpp
    COMMAND ${pgkit} generate --schema ${schema} --out ${arg_OUTPUT_DIR} --namespace ${arg_NAMESPACE}
    COMMAND ${CMAKE_COMMAND} -E touch_nocreate ${dir}/client.hpp ${dir}/client.cpp
    DEPENDS ${schema_files} ${pgkit_dependency}
    COMMENT "pgkit generate: the ${arg_NAMESPACE} client from ${arg_SCHEMA}"
    VERBATIM)
  add_library(${arg_TARGET} STATIC ${dir}/client.cpp ${dir}/client.hpp)
  target_include_directories(${arg_TARGET} PUBLIC ${arg_OUTPUT_DIR})
  target_compile_features(${arg_TARGET} PUBLIC cxx_std_20)
  if(TARGET pgkit::client)
    target_link_libraries(${arg_TARGET} PUBLIC pgkit::client)
  else()
    target_link_libraries(${arg_TARGET} PUBLIC pgkit_client)
  endif()
endfunction()
