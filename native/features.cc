// Frame → log-mel, the audio feature hot loop (≈ 360k frames per hour at a 10 ms hop), compiled
// per instruction set like kernels_isa.cc (same -m flags, same namespaces). It computes exactly
// what engine/features/audio-features.ts computes for the mel features, in float64 like it:
//
//   x_n   = s[t·hop − N/2 + n] · win_n,  n < N   (zero outside 0 … length − 1: centred frames)
//   X_k   = Σ_n x_n e^{−2πikn/N},  P_k = |X_k|²,  k = 0 … N/2        (real FFT, rfft.ts)
//   S_s   = Σ_{k∈s} P_k,  R_s = Σ_{k∈s} r_k P_k                     (segments, mel.ts melSegments)
//   E_b   = R_b + S_{b+1} − R_{b+1},  L_b = ln(max(E_b, 1e-10))
//
// The real FFT is rfft.ts's: one M = N/2-point complex FFT of z_n = x_2n + i·x_2n+1 (bit-reversed
// load fused with the first two radix-2 stages), the remaining stages two at a time (radix 2²),
// then the split step X_k = E_k + e^{−2πik/N}·O_k. Unlike rfft.ts the radix-2² loops run the
// butterfly index j innermost over per-stage contiguous twiddle tables and the split step runs
// k over 1 … M−1 in one loop, so the compiler vectorises both (4 doubles per ymm, 8 per zmm),
// and the log is a vectorised polynomial (logPositive) instead of a libm call per band. FMA
// contraction, that order and the log change the double rounding, not the arithmetic: the
// float32 rows came out identical to the TS path's in every test case (asserted ≤ 1e-5 nats in
// engine/kernels/features.test.ts). Per 512-point frame with 40 bands ≈ 1.2–2 µs, TS ≈ 7–10.
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <memory>
#include <vector>

#include "kernels.h"

#if defined(FW_ISA_AVX512)
#define FW_NS avx512
#elif defined(FW_ISA_AVX2)
#define FW_NS avx2
#else
#define FW_NS sse
#endif

namespace fw {
namespace FW_NS {
namespace {

// Twiddles of one fused stage pair (spans h and 2h): w1_j = e^{−2πij/2h}, w2_j = e^{−2πij/4h}.
struct Pair {
  int h;
  std::vector<double> w1r, w1i, w2r, w2i;  // (h)
};

// Everything that depends only on N, built once per thread and size.
struct Plan {
  int N = 0, M = 0;
  std::vector<int32_t> rev;          // (M) bit reversal of log2(M) bits
  std::vector<double> oddR, oddI;    // (4) twiddles of the lone span-4 stage when log2(M) is odd
  std::vector<Pair> pairs;           // the radix-2² stage pairs, narrowest first
  std::vector<double> spR, spI;      // (M+1) e^{−2πik/N}, the split step's twiddles
  std::vector<double> re, im;        // (M) working spectrum Z
  std::vector<double> power;         // (M+1) P_k
  std::vector<double> frame;         // (N) an edge frame, zero-padded

  explicit Plan(int n) : N(n), M(n / 2) {
    const int bits = __builtin_ctz(M);
    rev.resize(M);
    for (int i = 0; i < M; i++) {
      int r = 0;
      for (int b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      rev[i] = r;
    }
    // The same cos/sin arguments as rfft.ts (−2πj/M, −2πk/N), so the tables agree to the ulp.
    auto tw = [&](int j, double* wr, double* wi) {
      *wr = cos(-2 * M_PI * j / M);
      *wi = sin(-2 * M_PI * j / M);
    };
    int h = 4;
    if (bits & 1) {
      oddR.resize(h);
      oddI.resize(h);
      for (int j = 0; j < h; j++) tw(j * (M / (2 * h)), &oddR[j], &oddI[j]);
      h = 8;
    }
    for (; h < M; h *= 4) {
      Pair p{h, std::vector<double>(h), std::vector<double>(h), std::vector<double>(h),
             std::vector<double>(h)};
      for (int j = 0; j < h; j++) {
        tw(j * (M / (2 * h)), &p.w1r[j], &p.w1i[j]);
        tw(j * (M / (4 * h)), &p.w2r[j], &p.w2i[j]);
      }
      pairs.push_back(std::move(p));
    }
    spR.resize(M + 1);
    spI.resize(M + 1);
    for (int k = 0; k <= M; k++) {
      spR[k] = cos(-2 * M_PI * k / N);
      spI[k] = sin(-2 * M_PI * k / N);
    }
    re.resize(M);
    im.resize(M);
    power.resize(M + 1);
    frame.resize(N);
  }

  // P_k = |X_k|² of the frame x (N samples, T = float or double) windowed by win.
  template <typename T>
  void powerSpectrum(const T* x, const double* win) {
    double* __restrict R = re.data();
    double* __restrict I = im.data();
    const int q = M >> 2;
    // Bit-reversed load fused with stages 1 and 2 (twiddles 1 and −i), as in rfft.ts.
    for (int i = 0; i < M; i += 4) {
      const int n0 = 2 * rev[i], n1 = n0 + 4 * q, n2 = n0 + 2 * q, n3 = n1 + 2 * q;
      const double z0r = x[n0] * win[n0], z0i = x[n0 + 1] * win[n0 + 1];
      const double z1r = x[n1] * win[n1], z1i = x[n1 + 1] * win[n1 + 1];
      const double z2r = x[n2] * win[n2], z2i = x[n2 + 1] * win[n2 + 1];
      const double z3r = x[n3] * win[n3], z3i = x[n3 + 1] * win[n3 + 1];
      const double r0 = z0r + z1r, i0 = z0i + z1i, r1 = z0r - z1r, i1 = z0i - z1i;
      const double r2 = z2r + z3r, i2 = z2i + z3i, r3 = z2r - z3r, i3 = z2i - z3i;
      R[i] = r0 + r2;
      I[i] = i0 + i2;
      R[i + 2] = r0 - r2;
      I[i + 2] = i0 - i2;
      R[i + 1] = r1 + i3;  // −i · (r3 + i·i3) = i3 − i·r3
      I[i + 1] = i1 - r3;
      R[i + 3] = r1 - i3;
      I[i + 3] = i1 + r3;
    }
    if (!oddR.empty()) {  // one radix-2 stage of span 4
      for (int a = 0; a < M; a += 8) {
        double *ar = R + a, *ai = I + a, *br = R + a + 4, *bi = I + a + 4;
        for (int j = 0; j < 4; j++) {
          const double tr = oddR[j] * br[j] - oddI[j] * bi[j];
          const double ti = oddR[j] * bi[j] + oddI[j] * br[j];
          br[j] = ar[j] - tr;
          bi[j] = ai[j] - ti;
          ar[j] += tr;
          ai[j] += ti;
        }
      }
    }
    // Radix 2²: butterflies over a, a+h, a+2h, a+3h; span h with w1, then span 2h with w2
    // ((a, a+2h)) and −i·w2 ((a+h, a+3h)). j innermost: four contiguous streams per array.
    for (const Pair& p : pairs) {
      const int h = p.h;
      const double *w1r = p.w1r.data(), *w1i = p.w1i.data();
      const double *w2r = p.w2r.data(), *w2i = p.w2i.data();
      for (int base = 0; base < M; base += 4 * h) {
        double* __restrict r0 = R + base;
        double* __restrict r1 = r0 + h;
        double* __restrict r2 = r1 + h;
        double* __restrict r3 = r2 + h;
        double* __restrict i0 = I + base;
        double* __restrict i1 = i0 + h;
        double* __restrict i2 = i1 + h;
        double* __restrict i3 = i2 + h;
#pragma GCC ivdep
        for (int j = 0; j < h; j++) {
          double tr = w1r[j] * r1[j] - w1i[j] * i1[j];
          double ti = w1r[j] * i1[j] + w1i[j] * r1[j];
          const double y0r = r0[j] + tr, y0i = i0[j] + ti, y1r = r0[j] - tr, y1i = i0[j] - ti;
          tr = w1r[j] * r3[j] - w1i[j] * i3[j];
          ti = w1r[j] * i3[j] + w1i[j] * r3[j];
          const double y2r = r2[j] + tr, y2i = i2[j] + ti, y3r = r2[j] - tr, y3i = i2[j] - ti;
          tr = w2r[j] * y2r - w2i[j] * y2i;
          ti = w2r[j] * y2i + w2i[j] * y2r;
          r0[j] = y0r + tr;
          i0[j] = y0i + ti;
          r2[j] = y0r - tr;
          i2[j] = y0i - ti;
          tr = w2r[j] * y3i + w2i[j] * y3r;  // −i·w2·y3 = (Im(w2·y3), −Re(w2·y3))
          ti = -(w2r[j] * y3r - w2i[j] * y3i);
          r1[j] = y1r + tr;
          i1[j] = y1i + ti;
          r3[j] = y1r - tr;
          i3[j] = y1i - ti;
        }
      }
    }
    // Split step: X_k = E_k + e^{−2πik/N}·O_k for every k < M in one loop (rfft.ts pairs k with
    // M − k to share loads; here the reversed reads vectorise instead).
    double* __restrict P = power.data();
    const double* __restrict wr = spR.data();
    const double* __restrict wi = spI.data();
    P[0] = (R[0] + I[0]) * (R[0] + I[0]);
    P[M] = (R[0] - I[0]) * (R[0] - I[0]);
    for (int k = 1; k < M; k++) {
      const double a = R[k], b = I[k], c = R[M - k], d = I[M - k];
      const double er = 0.5 * (a + c), ei = 0.5 * (b - d);
      const double or_ = 0.5 * (b + d), oi = -0.5 * (a - c);
      const double xr = er + wr[k] * or_ - wi[k] * oi;
      const double xi = ei + wr[k] * oi + wi[k] * or_;
      P[k] = xr * xr + xi * xi;
    }
  }
};

// Vectors of doubles for the log below (xmm, ymm or zmm, as the build's ISA).
#if defined(FW_ISA_AVX512)
enum { VD = 8 };
#elif defined(FW_ISA_AVX2)
enum { VD = 4 };
#else
enum { VD = 2 };
#endif
typedef double vd __attribute__((vector_size(VD * 8)));
typedef uint64_t vu __attribute__((vector_size(VD * 8)));
typedef double vdu __attribute__((vector_size(VD * 8), aligned(8)));  // unaligned access

// ln x for x ≥ 1e-10 (finite, positive), VD at a time (libm's log is a call per value):
// x = 2^k·m with m ∈ [√½, √2) read off the bits, then
//   ln x = k·ln 2 + 2·atanh(s),  s = (m − 1)/(m + 1),  |s| ≤ 0.1716,
//   2·atanh(s) = 2s·(1 + s²/3 + s⁴/5 + … + s¹⁶/17)   (next term < 1e-15 relative)
// Error ≲ 2 ulp of double, far below the float32 rows it feeds.
static inline vd logPositive(vd x) {
  const uint64_t sqrtHalf = 0x3fe6a09e667f3bcdULL;  // bits of √½
  // u − bits(√½) = k·2^52 + (mantissa of m relative to √½); +1024·2^52 keeps it unsigned
  const vu u = __builtin_bit_cast(vu, x) - sqrtHalf + (1024ULL << 52);
  const vu kBiased = u >> 52;  // k + 1024
  const vd m = __builtin_bit_cast(vd, (u & 0x000fffffffffffffULL) + sqrtHalf);
  // k as a double without an int64 → double conversion (AVX2 has none): 2^52 + kBiased − 2^52
  const vd k =
      __builtin_bit_cast(vd, kBiased | 0x4330000000000000ULL) - 4503599627370496.0 - 1024.0;
  const vd s = (m - 1) / (m + 1), z = s * s;
  vd p = z * (1.0 / 17) + 1.0 / 15;
  p = p * z + 1.0 / 13;
  p = p * z + 1.0 / 11;
  p = p * z + 1.0 / 9;
  p = p * z + 1.0 / 7;
  p = p * z + 1.0 / 5;
  p = p * z + 1.0 / 3;
  p = p * z + 1.0;
  // ln 2 split so that k·ln2Hi is exact (|k| < 2^11)
  const double ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10;
  return k * ln2Hi + (2 * s * p + k * ln2Lo);
}

// L_i = ln(max(E_i, 1e-10)) in place over n values.
static void logFloor(double* E, int64_t n) {
  const double lo = 1e-10;
  int64_t i = 0;
  for (; i + VD <= n; i += VD) {
    const vd e = *reinterpret_cast<const vdu*>(E + i);
    *reinterpret_cast<vdu*>(E + i) = logPositive(e > lo ? e : lo);
  }
  for (; i < n; i++) {  // tail, one lane used
    vd e = {};
    e[0] = E[i] > lo ? E[i] : lo;
    E[i] = logPositive(e)[0];
  }
}

// One per thread: feature workers (worker_threads) call this in parallel.
thread_local std::unique_ptr<Plan> plan;

}  // namespace

// Log-mel rows of frames t0 … t1−1 into out ((t1 − t0) × B, row-major). x holds the signal's
// samples origin … origin + nx − 1 (binding.cc checks every frame reads inside it); the signal
// is `length` samples long, zero past its ends.
static void logmelFrames(const float* x, int64_t origin, int64_t length, int64_t t0, int64_t t1,
                         int hop, int N, const double* win, int B, const int32_t* segStart,
                         const double* rise, double* out) {
  if (!plan || plan->N != N) plan = std::make_unique<Plan>(N);
  Plan& p = *plan;
  const double* P = p.power.data();
  for (int64_t t = t0; t < t1; t++) {
    const int64_t start = t * hop - N / 2;
    if (start >= 0 && start + N <= length) {
      p.powerSpectrum(x + (start - origin), win);
    } else {
      double* f = p.frame.data();
      for (int i = 0; i < N; i++) {
        const int64_t j = start + i;
        f[i] = j >= 0 && j < length ? x[j - origin] : 0.0;
      }
      p.powerSpectrum(f, win);
    }
    double* E = out + (t - t0) * B;
    // E_b = R_b + S_{b+1} − R_{b+1}: carry the previous segment's R and this one's S forward.
    double prevR = 0;
    for (int s = 0; s <= B; s++) {
      double sum = 0, rising = 0;
      for (int k = segStart[s]; k < segStart[s + 1]; k++) {
        sum += P[k];
        rising += rise[k] * P[k];
      }
      if (s > 0) E[s - 1] = prevR + sum - rising;
      prevR = rising;
    }
  }
  // L_b = ln(max(E_b, 1e-10)) over the whole block at once, vectorised.
  logFloor(out, (t1 - t0) * B);
}

// Frames per log-mel block inside mfccFrames: (64 × B) doubles of scratch, in L1 at 40 bands.
enum { MFCC_BLOCK = 64 };
static thread_local std::vector<double> mfccScratch;

// MFCC rows of frames t0 … t1−1 into out ((t1 − t0) × n float32, row-major): the log-mel rows
// of logmelFrames, then c_i = Σ_b D_ib · L_b with the DCT matrix D (n × B, float32, mel.ts's
// dctMatrix) in float64, as audio-features.ts's mfcc entry computes it.
static void mfccFrames(const float* x, int64_t origin, int64_t length, int64_t t0, int64_t t1,
                       int hop, int N, const double* win, int B, const int32_t* segStart,
                       const double* rise, const float* dct, int n, float* out) {
  mfccScratch.resize((size_t)MFCC_BLOCK * B);
  double* L = mfccScratch.data();
  for (int64_t b0 = t0; b0 < t1; b0 += MFCC_BLOCK) {
    const int64_t b1 = b0 + MFCC_BLOCK < t1 ? b0 + MFCC_BLOCK : t1;
    logmelFrames(x, origin, length, b0, b1, hop, N, win, B, segStart, rise, L);
    for (int64_t t = b0; t < b1; t++) {
      const double* l = L + (t - b0) * B;
      float* c = out + (t - t0) * n;
      for (int i = 0; i < n; i++) {
        const float* d = dct + (size_t)i * B;
        double acc = 0;
        for (int b = 0; b < B; b++) acc += (double)d[b] * l[b];
        c[i] = (float)acc;
      }
    }
  }
}

extern const FeatureTable featureTable = {logmelFrames, resampleRange, mfccFrames, flacDecode};

}  // namespace FW_NS
}  // namespace fw
