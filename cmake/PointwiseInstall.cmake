# What `cmake --install` puts under the prefix, so that other projects can use
# pointwise from outside this source tree:
#   lib/libpointwise.so.0.1.0 (+ SONAME and dev links), or lib/libpointwise.a
#   include/pointwise/pointwise.h
#   lib/cmake/pointwise/   find_package(pointwise CONFIG) -> pointwise::pointwise
#   lib/pkgconfig/pointwise.pc
#   lib/python3/dist-packages/pointwise/   the ctypes binding
# Every file locates the others relative to itself, so the tree works from any prefix.

include(CMakePackageConfigHelpers)

set(POINTWISE_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/pointwise"
    CACHE STRING "Where the CMake package files go, relative to the prefix")
set(POINTWISE_INSTALL_PYTHONDIR "lib/python3/dist-packages"
    CACHE STRING "Where the Python package goes, relative to the prefix")
option(POINTWISE_INSTALL_PYTHON "Install the Python (ctypes) binding (shared builds only)" ON)

install(TARGETS pointwise EXPORT pointwiseTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT development
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
# (The target's include directory is its INSTALL_INTERFACE in src/CMakeLists.txt.)
install(FILES ${PROJECT_SOURCE_DIR}/include/pointwise/pointwise.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pointwise COMPONENT development)

# A static libpointwise.a carries its dependencies' references, not their code: the
# package must name them (cpu_features, pthreadpool, Threads) for the consumer's link.
set(POINTWISE_STATIC_DEPENDENCIES OFF)
get_target_property(pointwise_type pointwise TYPE)
if(pointwise_type STREQUAL "STATIC_LIBRARY")
  set(POINTWISE_STATIC_DEPENDENCIES ON)
endif()

# CMake package: targets, config (relocatable through PACKAGE_PREFIX_DIR), version.
install(EXPORT pointwiseTargets NAMESPACE pointwise:: FILE pointwiseTargets.cmake
        DESTINATION ${POINTWISE_INSTALL_CMAKEDIR} COMPONENT development)
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/pointwiseConfig.cmake.in
  ${PROJECT_BINARY_DIR}/pointwiseConfig.cmake
  INSTALL_DESTINATION ${POINTWISE_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/pointwiseConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)  # 0.x: each minor version may break the API
install(FILES ${PROJECT_BINARY_DIR}/pointwiseConfig.cmake ${PROJECT_BINARY_DIR}/pointwiseConfigVersion.cmake
        DESTINATION ${POINTWISE_INSTALL_CMAKEDIR} COMPONENT development)

# pkg-config: the prefix is found from the .pc file's own directory (${pcfiledir}).
set(pointwise_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  # Absolute directories pin the package to them: no relocation possible.
  set(POINTWISE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(POINTWISE_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(POINTWISE_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH pointwise_pc_up "/prefix/${pointwise_pc_dir}" "/prefix")
  string(REGEX REPLACE "/$" "" pointwise_pc_up "${pointwise_pc_up}")
  set(POINTWISE_PC_PREFIX "\${pcfiledir}/${pointwise_pc_up}")
  set(POINTWISE_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(POINTWISE_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(POINTWISE_PC_LIBS_PRIVATE "")
if(POINTWISE_STATIC_DEPENDENCIES)
  # Neither cpu_features nor pthreadpool ships a .pc file in Debian, so no
  # Requires.private: name their libraries, and the C++ runtime the archive needs.
  set(POINTWISE_PC_LIBS_PRIVATE "-lpthreadpool -lcpu_features -lstdc++ -lm -pthread")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/pointwise.pc.in ${PROJECT_BINARY_DIR}/pointwise.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/pointwise.pc DESTINATION ${pointwise_pc_dir} COMPONENT development)

# The ctypes binding: plain Python, it finds the library under the same prefix. It
# loads libpointwise.so, which a static-only build does not have: there it would be
# a package that can never load, so it is not installed.
if(POINTWISE_INSTALL_PYTHON AND NOT BUILD_SHARED_LIBS)
  message(STATUS "pointwise: static-only build, the Python binding (ctypes, needs libpointwise.so) is not installed")
endif()
if(POINTWISE_INSTALL_PYTHON AND BUILD_SHARED_LIBS)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/bindings/python/pointwise
          DESTINATION ${POINTWISE_INSTALL_PYTHONDIR} COMPONENT python
          FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
endif()
