# The flags of every target this project builds — library, programs, tests, test support and
# benchmarks — set once here, so a test is held to the library's warnings and a sanitizer
# build instruments everything it runs.

# Warnings: the same list for all. CI (scripts/test) turns them into errors; a user building
# with another compiler version is not stopped by a warning it alone emits.
option(PGKIT_WARNINGS_AS_ERRORS "Fail the build on any compiler warning" OFF)
add_compile_options(-Wall -Wextra -Wpedantic -Wno-missing-field-initializers
                    $<$<BOOL:${PGKIT_WARNINGS_AS_ERRORS}>:-Werror>)

# Sanitizers (CMakePresets.json: asan, tsan): "address,undefined" or "thread". ASan and UBSan
# stop the program at a finding (no recovery) and TSan exits non-zero after one, so a test
# cannot pass over it; scripts/test also collects the reports of the child processes the tests
# start (pgkit, pgkit-server) from their log files.
set(PGKIT_SANITIZE "" CACHE STRING "Build with these sanitizers: address,undefined | thread | empty")
if(PGKIT_SANITIZE)
  add_compile_options(-fsanitize=${PGKIT_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${PGKIT_SANITIZE})
  if(PGKIT_SANITIZE MATCHES "thread")
    # GCC warns that TSan does not model std::atomic_thread_fence, which Boost.Asio's
    # std_fenced_block uses around handler calls. Asio hands a handler from one thread to
    # another through its scheduler's mutex, which TSan does see; the fence is not what orders
    # our data, so the warning is not about our code.
    add_compile_options(-Wno-tsan)
  endif()
endif()
