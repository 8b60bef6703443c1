# Dependencies, all from Debian's packages.

find_package(xsimd REQUIRED)
# Debian's xsimd target names xtl as a link dependency without finding it
# ("cannot find -lxtl"); xsimd is header-only, so drop its link interface.
set_target_properties(xsimd PROPERTIES INTERFACE_LINK_LIBRARIES "")

find_package(CpuFeatures REQUIRED)

# pthreadpool ships neither a CMake package nor a pkg-config file.
find_path(PTHREADPOOL_INCLUDE_DIR pthreadpool.h REQUIRED)
find_library(PTHREADPOOL_LIBRARY pthreadpool REQUIRED)
if(NOT TARGET pointwise_pthreadpool)
  add_library(pointwise_pthreadpool UNKNOWN IMPORTED)
  set_target_properties(pointwise_pthreadpool PROPERTIES
    IMPORTED_LOCATION "${PTHREADPOOL_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${PTHREADPOOL_INCLUDE_DIR}")
endif()
find_package(Threads REQUIRED)
