# Reliability tests: hostile lock files, keys and directories, and mutual
# exclusion under load with workers killed at random.

# Hostile input, through the core and through the real CLI binary.
if(SEQUANTLOCK_BUILD_CLI AND
   EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/hostile_input_test.cc)
  sequantlock_core_test(hostile_input_test)
  target_link_libraries(hostile_input_test PRIVATE
    nlohmann_json::nlohmann_json)
  target_compile_definitions(hostile_input_test PRIVATE
    SEQUANTLOCK_CLI="$<TARGET_FILE:sequantlock_cli>")
  add_dependencies(hostile_input_test sequantlock_cli)
endif()

# Many processes on one and on several keys, killed at random. The soak
# script in soak/ runs the same test with larger counts.
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/stress_test.cc)
  add_executable(stress_worker stress_worker.cc)
  target_link_libraries(stress_worker PRIVATE sequantlock_core)
  sequantlock_core_test(stress_test)
  target_compile_definitions(stress_test PRIVATE
    STRESS_WORKER="$<TARGET_FILE:stress_worker>")
  add_dependencies(stress_test stress_worker)
endif()
