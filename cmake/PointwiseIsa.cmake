# Which ISA variants this build compiles, and the flags of each. Only the kernel
# translation unit of an ISA gets that ISA's flags (see kernels/CMakeLists.txt).

set(POINTWISE_X86 OFF)
set(POINTWISE_AARCH64 OFF)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(POINTWISE_X86 ON)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  set(POINTWISE_AARCH64 ON)
endif()

option(POINTWISE_ENABLE_SSE "Build the SSE2 variant (x86-64)" ${POINTWISE_X86})
option(POINTWISE_ENABLE_AVX2 "Build the AVX2+FMA3 variant (x86-64)" ${POINTWISE_X86})
option(POINTWISE_ENABLE_AVX512 "Build the AVX-512F variant (x86-64)" ${POINTWISE_X86})
option(POINTWISE_ENABLE_NEON "Build the NEON variant (AArch64)" ${POINTWISE_AARCH64})

set(POINTWISE_SSE_FLAGS -msse2)
set(POINTWISE_AVX2_FLAGS -mavx2 -mfma)
set(POINTWISE_AVX512_FLAGS -mavx512f -mavx2 -mfma)
set(POINTWISE_NEON_FLAGS "")  # Advanced SIMD is baseline on AArch64
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC's pre-register-allocation scheduler hoists the weight loads of the 10x8
  # kernel (all 32 vector registers live) and spills to the stack in the inner loop
  # (8x8: 8 vector movs per 64 fmla); without it the loop is fmla and loads only.
  # Out-of-order cores schedule the loop themselves.
  list(APPEND POINTWISE_NEON_FLAGS -fno-schedule-insns)
endif()

# The compile definitions that tell src/ (and the tests) which variants exist.
set(POINTWISE_ISA_DEFINITIONS "")
set(_variant_names scalar)
foreach(isa SSE AVX2 AVX512 NEON)
  if(POINTWISE_ENABLE_${isa})
    list(APPEND POINTWISE_ISA_DEFINITIONS POINTWISE_BUILD_${isa})
    string(TOLOWER ${isa} _name)
    list(APPEND _variant_names ${_name})
  endif()
endforeach()
list(JOIN _variant_names " " _variant_names)
message(STATUS "pointwise variants: ${_variant_names}")
