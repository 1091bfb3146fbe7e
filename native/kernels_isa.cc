// The kernels, written once with GCC vector extensions and compiled per instruction set.
//
// build-kernels.js compiles this file three times with -DFW_ISA_AVX512 / -DFW_ISA_AVX2 / neither
// (plus the matching -m flags); the vector width W follows the ISA, so the same source becomes
// zmm, ymm or xmm code. -ffp-contract=fast turns a*b+c into FMA where the ISA has it. No
// -ffast-math: the exp range reduction below relies on exact IEEE rounding.
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

#if defined(FW_ISA_AVX512)
#define FW_NS avx512
#define FW_NAME "native-avx512"
#define W 16
#define MR 8  // 8 rows × 2 zmm = 16 accumulators of the 32 registers
#elif defined(FW_ISA_AVX2)
#define FW_NS avx2
#define FW_NAME "native-avx2"
#define W 8
#define MR 6  // 6 × 2 ymm = 12 accumulators + 2 B loads + 1 broadcast ≤ 16 registers
#else
#define FW_NS sse
#define FW_NAME "native-sse2"
#define W 4
#define MR 6
#endif
#define NR (2 * W)

namespace fw {
namespace FW_NS {

typedef float vf __attribute__((vector_size(W * 4)));
typedef int32_t vi __attribute__((vector_size(W * 4)));
// Same vector with 4-byte alignment: loads/stores through it are unaligned moves.
typedef float vfu __attribute__((vector_size(W * 4), aligned(4)));

static inline vf load(const float* p) { return *reinterpret_cast<const vfu*>(p); }
static inline void store(float* p, vf v) { *reinterpret_cast<vfu*>(p) = v; }

// ---------------------------------------------------------------------------------------------
// GEMM: BLIS-style blocking with a register-blocked MR × NR micro-kernel.
//
// C is vectorised along N (row-major rows are contiguous), A is broadcast one scalar at a time.
// op(A) is packed into MR-row panels (Ap[k][0..MR)); op(B) into NR-column panels (Bp[k][0..NR)),
// zero-padded so the micro-kernel never branches. KC = 128 keeps one B micro-panel (KC × NR floats
// = 16 KB at AVX-512) in L1 while the A panels stream past it.
// Small-M products (the recurrent step, M = batch) with non-transposed B skip the B packing: the
// micro-kernel reads B rows in place, which saves K·N copies per call when there is little reuse.
// ---------------------------------------------------------------------------------------------
enum { KC = 128, MC = MR * 16, NC = 512 };

struct Scratch {
  float* a = nullptr;
  float* b = nullptr;
  Scratch() {
    a = static_cast<float*>(aligned_alloc(64, sizeof(float) * (MC + MR) * KC));
    b = static_cast<float*>(aligned_alloc(64, sizeof(float) * (NC + NR) * KC));
  }
  ~Scratch() {
    free(a);
    free(b);
  }
};
// One set of packing buffers per OS thread: worker_threads call in concurrently.
static thread_local Scratch scratch;

// acc: add into C (else overwrite). bs: row stride of the B micro-panel (NR when packed).
static inline void micro(int kc, const float* __restrict Ap, const float* __restrict Bp,
                         ptrdiff_t bs, float* __restrict C, ptrdiff_t ldc, bool acc) {
  vf c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) c0[i] = c1[i] = vf{};
  for (int k = 0; k < kc; k++) {
    const vf b0 = load(Bp + k * bs), b1 = load(Bp + k * bs + W);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      const float a = Ap[k * MR + i];
      c0[i] += a * b0;
      c1[i] += a * b1;
    }
  }
  if (acc) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      store(C + i * ldc, load(C + i * ldc) + c0[i]);
      store(C + i * ldc + W, load(C + i * ldc + W) + c1[i]);
    }
  } else {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      store(C + i * ldc, c0[i]);
      store(C + i * ldc + W, c1[i]);
    }
  }
}

// Pack op(A)[i0:i0+mc, p0:p0+kc] into MR-row panels, zero-padding the last panel.
static void packA(bool transA, const float* A, int lda, int i0, int mc, int p0, int kc, float* Ap) {
  for (int ir = 0; ir < mc; ir += MR) {
    const int mr = mc - ir < MR ? mc - ir : MR;
    float* dst = Ap + ir * kc;
    if (transA) {  // op(A)[i][k] = A[k][i]: MR consecutive floats per k
      for (int k = 0; k < kc; k++) {
        const float* src = A + (ptrdiff_t)(p0 + k) * lda + i0 + ir;
        if (mr == MR) {  // constant-size copy: one or two vector moves, not MR scalar ones
          memcpy(dst + k * MR, src, sizeof(float) * MR);
          continue;
        }
        for (int i = 0; i < mr; i++) dst[k * MR + i] = src[i];
        for (int i = mr; i < MR; i++) dst[k * MR + i] = 0.f;
      }
    } else {
      for (int i = 0; i < mr; i++) {
        const float* src = A + (ptrdiff_t)(i0 + ir + i) * lda + p0;
        for (int k = 0; k < kc; k++) dst[k * MR + i] = src[k];
      }
      for (int i = mr; i < MR; i++)
        for (int k = 0; k < kc; k++) dst[k * MR + i] = 0.f;
    }
  }
}

// dst[r·ldd + c] = src[c·lds + r] for one TB × TB block, in registers. Packing a transposed B
// (the recurrent product h·Whhᵀ) with scalar moves cost as much as the multiply itself at M = 16;
// the shuffle network moves 8 floats per instruction.
#if defined(__AVX__)
enum { TB = 8 };
static inline void transposeBlock(const float* src, ptrdiff_t lds, float* dst, ptrdiff_t ldd) {
  __m256 r[8], t[8], u[8];
  for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + i * lds);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; i++) {
    _mm256_storeu_ps(dst + i * ldd, _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
    _mm256_storeu_ps(dst + (i + 4) * ldd, _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
  }
}
#else
enum { TB = 4 };
static inline void transposeBlock(const float* src, ptrdiff_t lds, float* dst, ptrdiff_t ldd) {
  __m128 r0 = _mm_loadu_ps(src), r1 = _mm_loadu_ps(src + lds), r2 = _mm_loadu_ps(src + 2 * lds),
         r3 = _mm_loadu_ps(src + 3 * lds);
  _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
  _mm_storeu_ps(dst, r0);
  _mm_storeu_ps(dst + ldd, r1);
  _mm_storeu_ps(dst + 2 * ldd, r2);
  _mm_storeu_ps(dst + 3 * ldd, r3);
}
#endif

// Pack op(B)[p0:p0+kc, j0:j0+nc] into NR-column panels, zero-padding the last panel.
static void packB(bool transB, const float* B, int ldb, int p0, int kc, int j0, int nc, float* Bp) {
  for (int jr = 0; jr < nc; jr += NR) {
    const int nr = nc - jr < NR ? nc - jr : NR;
    float* dst = Bp + jr * kc;
    if (!transB) {
      for (int k = 0; k < kc; k++) {
        const float* src = B + (ptrdiff_t)(p0 + k) * ldb + j0 + jr;
        if (nr == NR) {
          store(dst + k * NR, load(src));
          store(dst + k * NR + W, load(src + W));
        } else {
          for (int j = 0; j < nr; j++) dst[k * NR + j] = src[j];
          for (int j = nr; j < NR; j++) dst[k * NR + j] = 0.f;
        }
      }
    } else {
      // op(B)[k][j] = B[j][k]. k outer / j inner writes contiguously; the NR source rows stay
      // in L1 while k walks along them (j outer scattered stores 4x slower on the recurrent step).
      const float* src = B + (ptrdiff_t)(j0 + jr) * ldb + p0;
      int k0 = 0;
      if (nr == NR) {  // whole TB × TB blocks through registers, the k tail below
        for (; k0 + TB <= kc; k0 += TB)
          for (int j = 0; j < NR; j += TB)
            transposeBlock(src + (ptrdiff_t)j * ldb + k0, ldb, dst + k0 * NR + j, NR);
      }
      for (int k = k0; k < kc; k++) {
        for (int j = 0; j < nr; j++) dst[k * NR + j] = src[(ptrdiff_t)j * ldb + k];
        for (int j = nr; j < NR; j++) dst[k * NR + j] = 0.f;
      }
    }
  }
}

// transC: C is stored transposed, element (i, j) at C[j·ldc + i] (see gemm below).
static void gemmImpl(bool transA, bool transB, int M, int N, int K, const float* A, int lda,
                     const float* B, int ldb, bool beta, float* C, int ldc, bool transC) {
  Scratch& s = scratch;
  const bool directB = !transB && M <= 4 * MR;
  float tile[MR * NR];
  for (int jc = 0; jc < N; jc += NC) {
    const int nc = N - jc < NC ? N - jc : NC;
    for (int pc = 0; pc < K; pc += KC) {
      const int kc = K - pc < KC ? K - pc : KC;
      const bool acc = beta || pc > 0;
      if (!directB) {
        packB(transB, B, ldb, pc, kc, jc, nc, s.b);
      } else if (nc % NR) {  // only the ragged last panel needs padding
        const int jr = nc - nc % NR;
        packB(false, B, ldb, pc, kc, jc + jr, nc - jr, s.b + (ptrdiff_t)jr * kc);
      }
      for (int ic = 0; ic < M; ic += MC) {
        const int mc = M - ic < MC ? M - ic : MC;
        packA(transA, A, lda, ic, mc, pc, kc, s.a);
        for (int jr = 0; jr < nc; jr += NR) {
          const int nr = nc - jr < NR ? nc - jr : NR;
          const bool inPlace = directB && nr == NR;
          const float* bp = inPlace ? B + (ptrdiff_t)pc * ldb + jc + jr : s.b + (ptrdiff_t)jr * kc;
          const ptrdiff_t bs = inPlace ? ldb : NR;
          for (int ir = 0; ir < mc; ir += MR) {
            const int mr = mc - ir < MR ? mc - ir : MR;
            if (transC) {  // tile, then scatter into the transposed C
              float* c = C + (ptrdiff_t)(jc + jr) * ldc + ic + ir;
              micro(kc, s.a + ir * kc, bp, bs, tile, NR, false);
              for (int j = 0; j < nr; j++)
                for (int i = 0; i < mr; i++)
                  c[j * ldc + i] = acc ? c[j * ldc + i] + tile[i * NR + j] : tile[i * NR + j];
              continue;
            }
            float* c = C + (ptrdiff_t)(ic + ir) * ldc + jc + jr;
            if (mr == MR && nr == NR) {
              micro(kc, s.a + ir * kc, bp, bs, c, ldc, acc);
            } else {  // ragged edge: full tile into a temporary, then the valid part
              micro(kc, s.a + ir * kc, bp, bs, tile, NR, false);
              for (int i = 0; i < mr; i++)
                for (int j = 0; j < nr; j++)
                  c[i * ldc + j] = acc ? c[i * ldc + j] + tile[i * NR + j] : tile[i * NR + j];
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Vectorised exp / sigmoid / tanh.
//
// exp: Cephes expf (range reduction x = n·ln2 + r with a two-part ln2, degree-5 polynomial on
// |r| ≤ ln2/2, 2^n built in the exponent bits); ~1 ulp, max relative error ≈ 1.2e-7 on
// [−87, 0]. Only exp(−|x|) is ever needed below, so the result never overflows.
// sigmoid(x) = 1/(1+e) for x ≥ 0, e/(1+e) for x < 0, with e = exp(−|x|): no cancellation,
// accurate tiny values. tanh: Cephes tanhf odd polynomial for |x| < 0.625 (where (1−e)/(1+e)
// would cancel), else (1 − e)/(1 + e) with e = exp(−2|x|); sign restored. Max relative error vs
// the float64 Math.tanh/Math.exp reference, measured on [−30, 30]: tanh 1.3e-7, sigmoid 1.8e-7
// (including the final float32 rounding; asserted ≤ 5e-7 in engine/kernels/native.test.ts).
// ---------------------------------------------------------------------------------------------
static inline vf splat(float a) { return vf{} + a; }
static inline vf vabs(vf x) {
  return reinterpret_cast<vf>(reinterpret_cast<vi>(x) & 0x7fffffff);
}

// exp(x) for x ≤ 0 (clamped below at −87, where the result is ~1.6e-38, still a normal float).
static inline vf expNeg(vf x) {
  x = x > -87.f ? x : splat(-87.f);
  // n = round(x / ln2) via floor(x·log2e + 0.5); convert truncates toward zero, so fix negatives.
  vf fx = x * 1.44269504088896341f + 0.5f;
  vi n = __builtin_convertvector(fx, vi);
  vf fn = __builtin_convertvector(n, vf);
  n += (fn > fx);  // a true lane of a vector comparison is −1
  fn = __builtin_convertvector(n, vf);
  const vf r = x - fn * 0.693359375f - fn * -2.12194440e-4f;
  const vf z = r * r;
  vf y = splat(1.9875691500e-4f);
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * z + r + 1.f;
  return y * reinterpret_cast<vf>((n + 127) << 23);
}

static inline vf sigmoid(vf x) {
  const vf e = expNeg(-vabs(x));
  const vf d = 1.f / (1.f + e);
  return x >= 0.f ? d : e * d;
}

static inline vf tanhv(vf x) {
  const vf ax = vabs(x);
  const vf e = expNeg(-2.f * ax);
  vf big = (1.f - e) / (1.f + e);
  const vf z = x * x;
  vf p = splat(-5.70498872745e-3f);
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const vf small = p * z * x + x;
  const vi sign = reinterpret_cast<vi>(x) & (int32_t)0x80000000;
  big = reinterpret_cast<vf>(reinterpret_cast<vi>(big) | sign);
  return ax < 0.625f ? small : big;
}

// Loads/stores of a chunk of a row: full vectors (Full = true, the hot path, no branches) or the
// ragged tail of n < W floats through a bounce buffer (H not a multiple of W). Each kernel body is
// written once as a template over Full and instantiated for both.
template <bool Full>
static inline vf ld(const float* p, int n) {
  if (Full) return load(p);
  float t[W] = {};
  memcpy(t, p, sizeof(float) * n);
  return load(t);
}
template <bool Full>
static inline void st(float* p, vf v, int n) {
  if (Full) return store(p, v);
  float t[W];
  store(t, v);
  memcpy(p, t, sizeof(float) * n);
}

// Calls body.template operator()<Full>(j, n) over [0, len) in chunks of W.
#define FW_CHUNKS(len, body)                                  \
  do {                                                        \
    int j_ = 0;                                               \
    for (; j_ + W <= (len); j_ += W) body.template operator()<true>(j_, W); \
    if (j_ < (len)) body.template operator()<false>(j_, (len)-j_);          \
  } while (0)

// ---------------------------------------------------------------------------------------------
// Pointwise step kernels: the exact contracts (and the formulas) are in models/kernels.ts.
// Each loops over the B rows and vectorises along the H columns of one gate block.
// ---------------------------------------------------------------------------------------------
static void colSum(int M, int N, const float* X, int ldx, float* y) {
  // i outer keeps the TS reference's summation order per column (bit-identical results) and
  // reads X once, row by row.
  for (int i = 0; i < M; i++) {
    const float* x = X + (ptrdiff_t)i * ldx;
    auto chunk = [&]<bool F>(int j, int n) {
      st<F>(y + j, ld<F>(y + j, n) + ld<F>(x + j, n), n);
    };
    FW_CHUNKS(N, chunk);
  }
}

static void lstmForwardStep(int B, int H, float* gates, const float* bih, const float* bhh,
                            const float* cPrev, float* c, float* h) {
  for (int b = 0; b < B; b++) {
    float* g = gates + (ptrdiff_t)b * 4 * H;
    const float* cp = cPrev + (ptrdiff_t)b * H;
    float* cb = c + (ptrdiff_t)b * H;
    float* hb = h + (ptrdiff_t)b * H;
    auto chunk = [&]<bool F>(int j, int n) {
      const vf i = sigmoid(ld<F>(g + j, n) + ld<F>(bih + j, n) + ld<F>(bhh + j, n));
      const vf f = sigmoid(ld<F>(g + H + j, n) + ld<F>(bih + H + j, n) + ld<F>(bhh + H + j, n));
      const vf gg = tanhv(ld<F>(g + 2 * H + j, n) + ld<F>(bih + 2 * H + j, n) + ld<F>(bhh + 2 * H + j, n));
      const vf o = sigmoid(ld<F>(g + 3 * H + j, n) + ld<F>(bih + 3 * H + j, n) + ld<F>(bhh + 3 * H + j, n));
      st<F>(g + j, i, n);
      st<F>(g + H + j, f, n);
      st<F>(g + 2 * H + j, gg, n);
      st<F>(g + 3 * H + j, o, n);
      const vf ct = f * ld<F>(cp + j, n) + i * gg;  // c_t = f ⊙ c_{t−1} + i ⊙ g
      st<F>(cb + j, ct, n);
      st<F>(hb + j, o * tanhv(ct), n);  // h_t = o ⊙ tanh(c_t)
    };
    FW_CHUNKS(H, chunk);
  }
}

static void lstmBackwardStep(int B, int H, const float* gates, const float* cPrev, const float* c,
                             const float* dh, float* dc, float* dGates) {
  for (int b = 0; b < B; b++) {
    const float* g = gates + (ptrdiff_t)b * 4 * H;
    float* dg = dGates + (ptrdiff_t)b * 4 * H;
    const ptrdiff_t r = (ptrdiff_t)b * H;
    auto chunk = [&]<bool F>(int j, int n) {
      const vf i = ld<F>(g + j, n), f = ld<F>(g + H + j, n), gg = ld<F>(g + 2 * H + j, n),
               o = ld<F>(g + 3 * H + j, n);
      const vf tc = tanhv(ld<F>(c + r + j, n));
      const vf dhj = ld<F>(dh + r + j, n);
      const vf dct = ld<F>(dc + r + j, n) + dhj * o * (1.f - tc * tc);
      st<F>(dg + j, dct * gg * i * (1.f - i), n);
      st<F>(dg + H + j, dct * ld<F>(cPrev + r + j, n) * f * (1.f - f), n);
      st<F>(dg + 2 * H + j, dct * i * (1.f - gg * gg), n);
      st<F>(dg + 3 * H + j, dhj * tc * o * (1.f - o), n);
      st<F>(dc + r + j, dct * f, n);
    };
    FW_CHUNKS(H, chunk);
  }
}

static void gruForwardStep(int B, int H, float* gates, const float* gh, const float* bih,
                           const float* bhh, const float* hPrev, float* hn, float* h) {
  for (int b = 0; b < B; b++) {
    float* g = gates + (ptrdiff_t)b * 3 * H;
    const float* q = gh + (ptrdiff_t)b * 3 * H;
    const ptrdiff_t r0 = (ptrdiff_t)b * H;
    auto chunk = [&]<bool F>(int j, int n) {
      const vf r = sigmoid(ld<F>(g + j, n) + ld<F>(bih + j, n) + ld<F>(q + j, n) + ld<F>(bhh + j, n));
      const vf z = sigmoid(ld<F>(g + H + j, n) + ld<F>(bih + H + j, n) + ld<F>(q + H + j, n) +
                           ld<F>(bhh + H + j, n));
      const vf hnj = ld<F>(q + 2 * H + j, n) + ld<F>(bhh + 2 * H + j, n);
      const vf nn = tanhv(ld<F>(g + 2 * H + j, n) + ld<F>(bih + 2 * H + j, n) + r * hnj);
      st<F>(g + j, r, n);
      st<F>(g + H + j, z, n);
      st<F>(g + 2 * H + j, nn, n);
      st<F>(hn + r0 + j, hnj, n);
      st<F>(h + r0 + j, (1.f - z) * nn + z * ld<F>(hPrev + r0 + j, n), n);  // h_t = (1−z)⊙n + z⊙h_{t−1}
    };
    FW_CHUNKS(H, chunk);
  }
}

static void gruBackwardStep(int B, int H, const float* gates, const float* hn, const float* hPrev,
                            const float* dh, float* dGx, float* dGh, float* dhPrev) {
  for (int b = 0; b < B; b++) {
    const float* g = gates + (ptrdiff_t)b * 3 * H;
    float* dx = dGx + (ptrdiff_t)b * 3 * H;
    float* dq = dGh + (ptrdiff_t)b * 3 * H;
    const ptrdiff_t r0 = (ptrdiff_t)b * H;
    auto chunk = [&]<bool F>(int j, int n) {
      const vf r = ld<F>(g + j, n), z = ld<F>(g + H + j, n), nn = ld<F>(g + 2 * H + j, n);
      const vf dhj = ld<F>(dh + r0 + j, n);
      const vf dn = dhj * (1.f - z) * (1.f - nn * nn);
      const vf dr = dn * ld<F>(hn + r0 + j, n) * r * (1.f - r);
      const vf dz = dhj * (ld<F>(hPrev + r0 + j, n) - nn) * z * (1.f - z);
      st<F>(dx + j, dr, n);
      st<F>(dx + H + j, dz, n);
      st<F>(dx + 2 * H + j, dn, n);
      st<F>(dq + j, dr, n);
      st<F>(dq + H + j, dz, n);
      st<F>(dq + 2 * H + j, dn * r, n);
      st<F>(dhPrev + r0 + j, ld<F>(dhPrev + r0 + j, n) + dhj * z, n);
    };
    FW_CHUNKS(H, chunk);
  }
}

static void rnnForwardStep(bool relu, int B, int H, float* a, const float* bih, const float* bhh) {
  for (int b = 0; b < B; b++) {
    float* ab = a + (ptrdiff_t)b * H;
    auto chunk = [&]<bool F>(int j, int n) {
      const vf x = ld<F>(ab + j, n) + ld<F>(bih + j, n) + ld<F>(bhh + j, n);
      st<F>(ab + j, relu ? (x > 0.f ? x : vf{}) : tanhv(x), n);
    };
    FW_CHUNKS(H, chunk);
  }
}

static void rnnBackwardStep(bool relu, int B, int H, const float* h, float* dh) {
  const int total = B * H;  // rows are contiguous: one flat loop
  auto chunk = [&]<bool F>(int k, int n) {
    const vf hk = ld<F>(h + k, n), d = ld<F>(dh + k, n);
    st<F>(dh + k, relu ? (hk > 0.f ? d : vf{}) : d * (1.f - hk * hk), n);
  };
  FW_CHUNKS(total, chunk);
}

static void gemm(bool transA, bool transB, int M, int N, int K, const float* A, int lda,
                 const float* B, int ldb, bool beta, float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {  // C = beta·C
    if (!beta)
      for (int i = 0; i < M; i++) memset(C + (ptrdiff_t)i * ldc, 0, sizeof(float) * N);
    return;
  }
  // Weight gradients dW (G·H × F) += dGatesᵀ·x have a narrow N (F = 6..40 < NR): most vector
  // lanes of the last panel would idle. Computing Cᵀ = op(B)ᵀ·op(A)ᵀ instead vectorises along
  // the wide G·H side; the rare C tile writes (once per KC of the long K = T·B) scatter.
  if (transA && !transB && N < NR && M >= 2 * NR)
    return gemmImpl(true, false, N, M, K, B, ldb, A, lda, beta, C, ldc, true);
  gemmImpl(transA, transB, M, N, K, A, lda, B, ldb, beta, C, ldc, false);
}

extern const Table table = {FW_NAME,          gemm,           colSum,
                            lstmForwardStep,  lstmBackwardStep, gruForwardStep,
                            gruBackwardStep,  rnnForwardStep, rnnBackwardStep,
                            &featureTable};

}  // namespace FW_NS
}  // namespace fw
