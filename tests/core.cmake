# Unit tests of the C++ core, one file per core unit.
foreach(name record_test time_format_test key_test staleness_test
        locks_dir_test file_store_test manager_test process_identity_test
        interop_test)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${name}.cc)
    sequantlock_core_test(${name})
  endif()
endforeach()

# Many real processes racing on one directory.
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/multiprocess_test.cc)
  add_executable(race_worker race_worker.cc)
  target_link_libraries(race_worker PRIVATE sequantlock_core)
  sequantlock_core_test(multiprocess_test)
  target_compile_definitions(multiprocess_test PRIVATE
    RACE_WORKER="$<TARGET_FILE:race_worker>")
  add_dependencies(multiprocess_test race_worker)
endif()

# Holder identity against real processes and PID namespaces, through the CLI.
if(SEQUANTLOCK_BUILD_CLI AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/identity_test.cc)
  add_executable(identity_test identity_test.cc)
  target_link_libraries(identity_test PRIVATE GTest::gtest_main)
  target_include_directories(identity_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_definitions(identity_test PRIVATE
    SEQUANTLOCK_CLI="$<TARGET_FILE:sequantlock_cli>")
  add_dependencies(identity_test sequantlock_cli)
  gtest_discover_tests(identity_test DISCOVERY_TIMEOUT 60)
endif()

# Each side reads the other's files: the TypeScript original's algorithm,
# run by Node, and the CLI.
find_program(SEQUANTLOCK_NODE node)
if(SEQUANTLOCK_BUILD_CLI AND SEQUANTLOCK_NODE)
  add_test(NAME interop_original
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/interop/interop_test.sh
            $<TARGET_FILE:sequantlock_cli>)
endif()
