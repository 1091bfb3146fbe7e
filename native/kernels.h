// Framewise fast kernels: the per-ISA entry points shared by binding.cc and kernels_isa.cc.
//
// kernels_isa.cc is compiled once per instruction set (AVX-512, AVX2+FMA, baseline SSE2) into its
// own namespace; binding.cc picks one table at load time with __builtin_cpu_supports, so a single
// binary runs on any x86-64 and uses the widest vectors the CPU has.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace fw {

// C = beta·C + op(A)·op(B); row-major, op(X) = Xᵀ when the flag is set (same contract as
// models/kernels.ts). Pointers already include the element offsets.
typedef void (*GemmFn)(bool transA, bool transB, int M, int N, int K, const float* A, int lda,
                       const float* B, int ldb, bool beta, float* C, int ldc);

// Audio features (features.cc): log-mel rows of frames t0 … t1−1 of a signal `length` samples
// long, of which x holds samples origin … (contract in engine/kernels/features.ts).
typedef void (*LogmelFn)(const float* x, int64_t origin, int64_t length, int64_t t0, int64_t t1,
                         int hop, int N, const double* win, int B, const int32_t* segStart,
                         const double* rise, double* out);
// Resampling (resample.cc): outputs o0 … o1−1 of the polyphase sinc with an L × 2·Wc tap table
// (contract in engine/kernels/resample.ts).
typedef void (*ResampleFn)(const float* x, int64_t origin, int64_t length, int L, int M, int Wc,
                           const float* table, int64_t o0, int64_t o1, float* y);
// MFCC rows (features.cc): the log-mel rows times an n × B DCT matrix, float32 out.
typedef void (*MfccFn)(const float* x, int64_t origin, int64_t length, int64_t t0, int64_t t1,
                       int hop, int N, const double* win, int B, const int32_t* segStart,
                       const double* rise, const float* dct, int n, float* out);
// FLAC frames (flac.cc) → mono float32 (contract in engine/kernels/flac.ts).
typedef int64_t (*FlacFn)(const uint8_t* data, int64_t n, int channels, int bits, int channel,
                          int64_t skip, float* out, int64_t want);
struct FeatureTable {
  LogmelFn logmelFrames;
  ResampleFn resampleRange;
  MfccFn mfccFrames;
  FlacFn flacDecode;
};

// Pointwise kernels (contracts in models/kernels.ts); pointers already include offsets.
struct Table {
  const char* name;
  GemmFn gemm;
  void (*colSum)(int M, int N, const float* X, int ldx, float* y);
  void (*lstmForwardStep)(int B, int H, float* gates, const float* bih, const float* bhh,
                          const float* cPrev, float* c, float* h);
  void (*lstmBackwardStep)(int B, int H, const float* gates, const float* cPrev, const float* c,
                           const float* dh, float* dc, float* dGates);
  void (*gruForwardStep)(int B, int H, float* gates, const float* gh, const float* bih,
                         const float* bhh, const float* hPrev, float* hn, float* h);
  void (*gruBackwardStep)(int B, int H, const float* gates, const float* hn, const float* hPrev,
                          const float* dh, float* dGx, float* dGh, float* dhPrev);
  void (*rnnForwardStep)(bool relu, int B, int H, float* a, const float* bih, const float* bhh);
  void (*rnnBackwardStep)(bool relu, int B, int H, const float* h, float* dh);
  const FeatureTable* features;
};

#define FW_DECLARE_TABLE(ns)                                                                 \
  namespace ns {                                                                             \
  extern const Table table;                                                                  \
  extern const FeatureTable featureTable;                                                    \
  void resampleRange(const float* x, int64_t origin, int64_t length, int L, int M, int Wc,   \
                     const float* table, int64_t o0, int64_t o1, float* y);                  \
  int64_t flacDecode(const uint8_t* data, int64_t n, int channels, int bits, int channel,    \
                     int64_t skip, float* out, int64_t want);                                \
  }
FW_DECLARE_TABLE(avx512)
FW_DECLARE_TABLE(avx2)
FW_DECLARE_TABLE(sse)

}  // namespace fw
