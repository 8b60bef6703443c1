/* pointwise: fp32 and bfloat16 1x1 (pointwise) convolutions on NHWC tensors.
 *
 * With G groups, Ci input and Co output channels per group and stride (sh, sw),
 * no padding: OH = (H - 1) / sh + 1, OW = (W - 1) / sw + 1 and
 *
 *   acc = bias[g*Co + o] + sum_{i < Ci} x[n][oh*sh][ow*sw][g*Ci + i] * w(g, i, o)
 *   acc = acc + residual[n][oh][ow][g*Co + o]          (when a residual is given)
 *   y[n][oh][ow][g*Co + o] = min(max(acc, output_min), output_max)
 *
 * w(g, i, o) is w[g][i][o] for PW_WEIGHTS_IO (TensorFlow HWIO, 1x1) and w[g][o][i]
 * for PW_WEIGHTS_OI (PyTorch OIHW, 1x1). NaN propagates through the clamp.
 *
 * Every function is thread-safe. A failing call returns a status, sets a message
 * for pw_last_error() that names the bad argument, and writes no output. The
 * library never prints and never aborts.
 *
 * This header compiles as C99 and as C++.
 */
#ifndef POINTWISE_POINTWISE_H_
#define POINTWISE_POINTWISE_H_

#include <stddef.h>

#define POINTWISE_VERSION_MAJOR 0
#define POINTWISE_VERSION_MINOR 2
#define POINTWISE_VERSION_PATCH 0

#if defined(_WIN32)
#define PW_API
#elif defined(__GNUC__)
#define PW_API __attribute__((visibility("default")))
#else
#define PW_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pw_status {
  PW_OK = 0,
  PW_ERROR_INVALID_ARGUMENT = 1, /* a null pointer, a zero channel count, a stride too small, min > max, ... */
  PW_ERROR_UNSUPPORTED = 2,      /* the requested ISA is not built in or not runnable on this CPU */
  PW_ERROR_OUT_OF_MEMORY = 3
} pw_status;

typedef enum pw_isa {
  PW_ISA_AUTO = 0,   /* the best variant for this CPU, or the one POINTWISE_ISA names */
  PW_ISA_SCALAR = 1, /* portable C++, any CPU */
  PW_ISA_SSE = 2,    /* SSE2: every x86-64 CPU */
  PW_ISA_AVX2 = 3,   /* AVX2 + FMA3 */
  PW_ISA_AVX512 = 4, /* AVX-512F */
  PW_ISA_NEON = 5,   /* AArch64 Advanced SIMD */
  PW_ISA_AVX512_BF16 = 6, /* AVX512_BF16 (vdpbf16ps) with AVX-512F/BW/VL; PW_MATH_BF16 only */
  PW_ISA_AMX = 7,         /* AMX-TILE + AMX-BF16; PW_MATH_BF16 only (not built into this version) */
  PW_ISA_NEON_BF16 = 8    /* AArch64 FEAT_BF16 (BFDOT); PW_MATH_BF16 only */
} pw_isa;

/* The element type of a tensor. bfloat16 (bf16) is the top 16 bits of an IEEE fp32
   value, passed as uint16_t bits. */
typedef enum pw_datatype {
  PW_DATATYPE_F32 = 0,
  PW_DATATYPE_BF16 = 1
} pw_datatype;

/* How products are formed.
   PW_MATH_F32: fp32 products and sums of the inputs as given (bf16 inputs widen
     exactly to fp32).
   PW_MATH_BF16: weights are rounded to bf16 at create and fp32 inputs when they are
     loaded (round to nearest even), products are exact, sums, bias, residual and
     clamp are fp32, and a bf16 output is rounded to nearest even after the clamp.
     NaN stays NaN and +-Inf stays +-Inf. Denormal inputs and weights (fp32 ones
     before their rounding, or bf16 ones) may count as zero, and so may sums below
     FLT_MIN in magnitude (the bf16 dot-product
     instructions flush them whatever the floating-point mode): an infinity times a
     denormal may then be NaN. */
typedef enum pw_math {
  PW_MATH_F32 = 0,
  PW_MATH_BF16 = 1
} pw_math;

typedef enum pw_weight_layout {
  PW_WEIGHTS_IO = 0, /* w[g][i][o]: TensorFlow/Keras HWIO with a 1x1 kernel */
  PW_WEIGHTS_OI = 1  /* w[g][o][i]: PyTorch/ONNX OIHW with a 1x1 kernel */
} pw_weight_layout;

typedef struct pw_conv_desc {
  size_t groups;                 /* >= 1 */
  size_t in_channels;            /* per group, >= 1 */
  size_t out_channels;           /* per group, >= 1 */
  size_t stride_h, stride_w;     /* >= 1 */
  pw_weight_layout weight_layout;
  float output_min, output_max;  /* clamp; -INFINITY and INFINITY for none */
  pw_isa isa;
  int flush_denormals;           /* nonzero: FTZ/DAZ during a run, the caller's mode restored after */
  pw_datatype input_type;        /* element type of the input */
  pw_datatype output_type;       /* element type of the output and the residual */
  pw_math math;
} pw_conv_desc;

/* Defaults: 1 group, stride 1, IO weights, no clamp, PW_ISA_AUTO, denormals kept,
   fp32 tensors and fp32 math. A NULL desc is ignored. */
PW_API void pw_conv_desc_init(pw_conv_desc* desc, size_t in_channels, size_t out_channels);

typedef struct pw_conv pw_conv;             /* weights packed once, run many times */
typedef struct pw_threadpool pw_threadpool;

/* Copies and packs G*Ci*Co weights and G*Co biases (bias may be NULL: zero); the
   caller's arrays may be freed at once. On failure *conv is set to NULL.
   Weights and biases are fp32 for every datatype and math (bf16 weights widen
   exactly to fp32).
   PW_ERROR_UNSUPPORTED: desc->isa (or POINTWISE_ISA for PW_ISA_AUTO) names a variant
   that is not built in, that this CPU cannot run, or that cannot do desc->math (the
   bf16 variants do PW_MATH_BF16 only). PW_ISA_AUTO picks the best variant that can
   do the desc: every fp32 variant does both maths. */
PW_API pw_status pw_conv_create(const pw_conv_desc* desc, const float* weights,
                                const float* bias, pw_conv** conv);

/* Runs the convolution on batch x height x width input pixels.
   Empty tensors: batch, height or width 0 returns PW_OK and reads and writes
   nothing; input, output and residual may then be NULL. conv must still be valid
   and the pixel strides must still fit the channels (they do not depend on the
   size), so code that passes an empty batch does not first fail on a full one.
   The tensors hold desc->input_type (input) and desc->output_type (output and
   residual) elements; pixel strides count elements of the tensor's own type; 0
   means dense (G*Ci for the input, G*Co for the
   output and residual). residual may be NULL (none) or equal to output (in-place
   add, same pixel stride). Otherwise the output must share no element (no byte of
   a float it writes) with the input or the residual; elements, not address ranges,
   decide: disjoint channel ranges of the same pixels in one buffer are fine
   (DenseNet writes a layer's output into the channels after its input), and a
   refusal names one colliding pair ("output pixel P channel C is input pixel Q
   channel D", pixels counted over the whole batch). Every input pixel counts, also
   those a stride > 1 skips. Equal pixel strides are decided in constant time,
   different ones by a walk over the pixels in the common address range.
   Memory contract: reads only the input and residual elements the formula uses
   (never past the last channel of the last pixel, never the channels between
   G*Ci and input_pixel_stride), writes only the output elements it computes (the
   channels between G*Co and output_pixel_stride are untouched), allocates nothing.
   No kernel reads or writes even one float before the first or after the last
   element it uses, whatever the tail of channels or pixels, and no alignment is
   required: each buffer may start or end exactly at a page boundary next to an
   unmapped page (tests/test_guard_pages.cpp checks this for every variant).
   threadpool NULL runs on the calling thread. Results are bitwise identical for
   every thread count and pool. A conv may be run from many threads at once. */
PW_API pw_status pw_conv_run(const pw_conv* conv, size_t batch, size_t height, size_t width,
                             const void* input, size_t input_pixel_stride,
                             void* output, size_t output_pixel_stride,
                             const void* residual, size_t residual_pixel_stride,
                             pw_threadpool* threadpool);

PW_API void pw_conv_destroy(pw_conv* conv); /* NULL is a no-op */

typedef struct pw_conv_info {
  pw_isa isa;                 /* the variant this conv runs */
  size_t mr, nr;              /* register tile: pixels x output channels */
  size_t kc, nc;              /* cache tiles over input and output channels */
  size_t packed_weight_bytes;
} pw_conv_info;
PW_API pw_status pw_conv_get_info(const pw_conv* conv, pw_conv_info* info);

PW_API pw_isa pw_best_isa(void);              /* what PW_ISA_AUTO picks here (POINTWISE_ISA
                                                 included); PW_ISA_AUTO if POINTWISE_ISA
                                                 cannot be honoured */
PW_API int pw_isa_supported(pw_isa isa);      /* 1: built in and runnable on this CPU */
PW_API const char* pw_isa_name(pw_isa isa);   /* "auto", "scalar", "sse", "avx2", "avx512",
                                                 "neon", "avx512_bf16", "amx", "neon_bf16";
                                                 "unknown" out of range */
PW_API pw_status pw_isa_from_name(const char* name, pw_isa* isa); /* any case: "AVX2", "Avx512" */

/* A pool of threads-1 workers plus the calling thread (pthreadpool).
   threads 0: one per CPU this process may run on (its affinity mask).
   NULL when out of memory or when the threads cannot all be started (a thread or
   address-space limit): the workers are first started and stopped once as a
   check, because pthreadpool itself would wait forever for a thread that failed to
   start. The check cannot see another thread of the process taking the last
   resources between it and the pool's own start.
   Workers wait for the next run by spinning a while, which saves the wake-up on
   back-to-back runs; a pool with more threads than CPUs lets them sleep at once
   instead, so that waiting workers do not take the CPUs of the ones still computing. */
PW_API pw_threadpool* pw_threadpool_create(size_t threads);

/* A pool that runs on the host's own threads (OpenMP, TBB, a runtime's pool):
   parallel_for must call task(task_context, i) once for every i < count and
   return when all calls have returned. threads: how many run at once (0 counts
   as 1). NULL when parallel_for is NULL or out of memory. */
typedef void (*pw_task_fn)(void* task_context, size_t index);
typedef void (*pw_parallel_for_fn)(void* user_context, pw_task_fn task,
                                   void* task_context, size_t count);
PW_API pw_threadpool* pw_threadpool_create_custom(pw_parallel_for_fn parallel_for,
                                                  void* user_context, size_t threads);
PW_API void pw_threadpool_destroy(pw_threadpool* pool); /* NULL is a no-op */
PW_API size_t pw_threadpool_threads(const pw_threadpool* pool); /* NULL: 1 */

PW_API const char* pw_status_string(pw_status status);
PW_API const char* pw_last_error(void); /* this thread's message for its last failed call,
                                           "" if none */
PW_API const char* pw_version(void);    /* "MAJOR.MINOR.PATCH" */

#ifdef __cplusplus
}
#endif

#endif /* POINTWISE_POINTWISE_H_ */
