# pgkit_embed(OUTPUT file.cpp NAMESPACE ns BASE dir FILES a b …): a C++ source, made at build
# time and again whenever one of the files changes, that defines
#   const std::vector<std::pair<std::string_view, std::string_view>>& ns::files();
# (path under BASE, bytes). No tool but CMake is needed.
function(pgkit_embed)
  cmake_parse_arguments(arg "" "OUTPUT;NAMESPACE;BASE" "FILES" ${ARGN})
  set(inputs "")
  foreach(f IN LISTS arg_FILES)
    list(APPEND inputs "${arg_BASE}/${f}")
  endforeach()
  string(REPLACE ";" "|" files "${arg_FILES}")  # a list cannot cross the command line whole
  add_custom_command(
    OUTPUT ${arg_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${arg_OUTPUT} -DNAMESPACE=${arg_NAMESPACE} -DBASE=${arg_BASE}
            "-DFILES=${files}" -P ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    DEPENDS ${inputs} ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    COMMENT "Embedding ${arg_FILES}"
    VERBATIM)
endfunction()
