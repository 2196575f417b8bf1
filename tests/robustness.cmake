# Robustness tests of the core: faults injected at every system call of the
# file store. They need fault points compiled in, so they exist only when
# SEQUANTLOCK_FAULT_INJECTION is ON.
if(SEQUANTLOCK_FAULT_INJECTION AND
   EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/fault_injection_test.cc)
  sequantlock_core_test(fault_injection_test)
endif()
