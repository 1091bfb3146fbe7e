// N-API glue: unwraps JS arguments and calls the kernel table chosen for this CPU.
//
// Plain node_api.h (ABI-stable: the same binary loads in Node 20+ and in Electron's main process).
// The module keeps no per-environment state, so it is safe in several worker_threads at once;
// the only mutable state (packing buffers) is thread_local in kernels_isa.cc.
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

namespace {

// The kernel table for an ISA name, or null when this CPU lacks it. Every exported function
// finds its table in the callback data, so `variant(isa)` can hand out the same functions bound
// to another ISA (the tests check every variant on one machine).
const fw::Table* supported(const char* isa) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (!strcmp(isa, "avx512") && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    return &fw::avx512::table;
  if (!strcmp(isa, "avx2") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return &fw::avx2::table;
#endif
  if (!strcmp(isa, "sse2")) return &fw::sse::table;
  return nullptr;
}

// The widest ISA the CPU supports, capped by FRAMEWISE_KERNELS_ISA=avx2|sse2 if set.
const fw::Table* pickTable() {
  const char* order[] = {"avx512", "avx2", "sse2"};
  const char* cap = getenv("FRAMEWISE_KERNELS_ISA");
  bool allowed = !cap;
  for (const char* isa : order) {
    allowed = allowed || !strcmp(cap, isa);
    if (allowed && supported(isa)) return supported(isa);
  }
  return &fw::sse::table;
}

// Argument unwrapping. Errors become JS exceptions; the kernel is then not called.
struct Args {
  napi_env env;
  napi_value v[20];
  size_t n = 20;
  bool ok = true;

  const fw::Table* t = nullptr;

  Args(napi_env e, napi_callback_info info) : env(e) {
    void* data = nullptr;
    if (napi_get_cb_info(env, info, &n, v, nullptr, &data) != napi_ok) fail("bad call");
    t = static_cast<const fw::Table*>(data);
  }
  void fail(const char* msg) {
    if (ok) napi_throw_type_error(env, nullptr, msg);
    ok = false;
  }
  int i32(size_t k) {
    int32_t x = 0;
    if (k >= n || napi_get_value_int32(env, v[k], &x) != napi_ok) fail("expected an integer");
    return x;
  }
  bool flag(size_t k) {
    bool b = false;
    if (k >= n || napi_get_value_bool(env, v[k], &b) != napi_ok) fail("expected a boolean");
    return b;
  }
  // A Float32Array plus an element offset; checks that `need` floats from the offset are inside.
  float* f32(size_t k, int off, size_t need) {
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (k >= n || napi_get_typedarray_info(env, v[k], &type, &length, &data, nullptr, nullptr) !=
                      napi_ok ||
        type != napi_float32_array) {
      fail("expected a Float32Array");
      return nullptr;
    }
    if (off < 0 || (size_t)off + need > length) {
      fail("matrix extends past the end of its Float32Array");
      return nullptr;
    }
    return static_cast<float*>(data) + off;
  }
};

// Floats touched by a rows × cols matrix with row stride ld (0 when empty).
size_t extent(int rows, int cols, int ld) {
  return rows <= 0 || cols <= 0 ? 0 : (size_t)(rows - 1) * ld + cols;
}

// gemm(transA, transB, M, N, K, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc)
napi_value Gemm(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const bool tA = a.flag(0), tB = a.flag(1);
  const int M = a.i32(2), N = a.i32(3), K = a.i32(4);
  const int lda = a.i32(7), ldb = a.i32(10), beta = a.i32(11), ldc = a.i32(14);
  if (!a.ok) return nullptr;
  if (M < 0 || N < 0 || K < 0) a.fail("negative dimension");
  if (lda < (tA ? M : K) || ldb < (tB ? K : N) || ldc < N) a.fail("leading dimension too small");
  const float* A = a.f32(5, a.i32(6), tA ? extent(K, M, lda) : extent(M, K, lda));
  const float* B = a.f32(8, a.i32(9), tB ? extent(N, K, ldb) : extent(K, N, ldb));
  float* C = a.f32(12, a.i32(13), extent(M, N, ldc));
  if (!a.ok) return nullptr;
  a.t->gemm(tA, tB, M, N, K, A, lda, B, ldb, beta != 0, C, ldc);
  return nullptr;
}

// colSum(M, N, X, xOff, ldx, y, yOff)
napi_value ColSum(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int M = a.i32(0), N = a.i32(1), ldx = a.i32(4);
  if (!a.ok) return nullptr;
  if (M < 0 || N < 0 || ldx < N) a.fail("bad colSum dimensions");
  const float* X = a.f32(2, a.i32(3), extent(M, N, ldx));
  float* y = a.f32(5, a.i32(6), N);
  if (!a.ok) return nullptr;
  a.t->colSum(M, N, X, ldx, y);
  return nullptr;
}

// The step kernels: B rows of width H (state) or G·H (gates), contiguous from each offset.
bool dims(Args& a, size_t kB, int* B, int* H) {
  *B = a.i32(kB);
  *H = a.i32(kB + 1);
  if (a.ok && (*B < 0 || *H < 0)) a.fail("negative dimension");
  return a.ok;
}

// lstmForwardStep(B, H, gates, gOff, bih, bhh, cPrev, cpOff, c, cOff, h, hOff)
napi_value LstmForwardStep(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int B, H;
  if (!dims(a, 0, &B, &H)) return nullptr;
  const size_t s = (size_t)B * H;
  float* g = a.f32(2, a.i32(3), 4 * s);
  const float* bih = a.f32(4, 0, 4 * (size_t)H);
  const float* bhh = a.f32(5, 0, 4 * (size_t)H);
  const float* cp = a.f32(6, a.i32(7), s);
  float* c = a.f32(8, a.i32(9), s);
  float* h = a.f32(10, a.i32(11), s);
  if (a.ok) a.t->lstmForwardStep(B, H, g, bih, bhh, cp, c, h);
  return nullptr;
}

// lstmBackwardStep(B, H, gates, gOff, cPrev, cpOff, c, cOff, dh, dhOff, dc, dcOff, dGates, dgOff)
napi_value LstmBackwardStep(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int B, H;
  if (!dims(a, 0, &B, &H)) return nullptr;
  const size_t s = (size_t)B * H;
  const float* g = a.f32(2, a.i32(3), 4 * s);
  const float* cp = a.f32(4, a.i32(5), s);
  const float* c = a.f32(6, a.i32(7), s);
  const float* dh = a.f32(8, a.i32(9), s);
  float* dc = a.f32(10, a.i32(11), s);
  float* dg = a.f32(12, a.i32(13), 4 * s);
  if (a.ok) a.t->lstmBackwardStep(B, H, g, cp, c, dh, dc, dg);
  return nullptr;
}

// gruForwardStep(B, H, gates, gOff, gh, ghOff, bih, bhh, hPrev, hpOff, hn, hnOff, h, hOff)
napi_value GruForwardStep(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int B, H;
  if (!dims(a, 0, &B, &H)) return nullptr;
  const size_t s = (size_t)B * H;
  float* g = a.f32(2, a.i32(3), 3 * s);
  const float* gh = a.f32(4, a.i32(5), 3 * s);
  const float* bih = a.f32(6, 0, 3 * (size_t)H);
  const float* bhh = a.f32(7, 0, 3 * (size_t)H);
  const float* hp = a.f32(8, a.i32(9), s);
  float* hn = a.f32(10, a.i32(11), s);
  float* h = a.f32(12, a.i32(13), s);
  if (a.ok) a.t->gruForwardStep(B, H, g, gh, bih, bhh, hp, hn, h);
  return nullptr;
}

// gruBackwardStep(B, H, gates, gOff, hn, hnOff, hPrev, hpOff, dh, dhOff, dGx, dxOff, dGh, dhhOff,
//                 dhPrev, dpOff)
napi_value GruBackwardStep(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int B, H;
  if (!dims(a, 0, &B, &H)) return nullptr;
  const size_t s = (size_t)B * H;
  const float* g = a.f32(2, a.i32(3), 3 * s);
  const float* hn = a.f32(4, a.i32(5), s);
  const float* hp = a.f32(6, a.i32(7), s);
  const float* dh = a.f32(8, a.i32(9), s);
  float* dgx = a.f32(10, a.i32(11), 3 * s);
  float* dgh = a.f32(12, a.i32(13), 3 * s);
  float* dhp = a.f32(14, a.i32(15), s);
  if (a.ok) a.t->gruBackwardStep(B, H, g, hn, hp, dh, dgx, dgh, dhp);
  return nullptr;
}

// rnnForwardStep(relu, B, H, a, aOff, bih, bhh)
napi_value RnnForwardStep(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const bool relu = a.flag(0);
  int B, H;
  if (!dims(a, 1, &B, &H)) return nullptr;
  float* x = a.f32(3, a.i32(4), (size_t)B * H);
  const float* bih = a.f32(5, 0, H);
  const float* bhh = a.f32(6, 0, H);
  if (a.ok) a.t->rnnForwardStep(relu, B, H, x, bih, bhh);
  return nullptr;
}

// rnnBackwardStep(relu, B, H, h, hOff, dh, dhOff)
napi_value RnnBackwardStep(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const bool relu = a.flag(0);
  int B, H;
  if (!dims(a, 1, &B, &H)) return nullptr;
  const float* h = a.f32(3, a.i32(4), (size_t)B * H);
  float* dh = a.f32(5, a.i32(6), (size_t)B * H);
  if (a.ok) a.t->rnnBackwardStep(relu, B, H, h, dh);
  return nullptr;
}

// A typed array of the given type (any length), or null after throwing.
template <typename T>
T* typed(Args& a, size_t k, napi_typedarray_type want, size_t* length, const char* what) {
  napi_typedarray_type type;
  void* data = nullptr;
  if (!a.ok) return nullptr;
  if (k >= a.n || napi_get_typedarray_info(a.env, a.v[k], &type, length, &data, nullptr,
                                           nullptr) != napi_ok ||
      type != want) {
    a.fail(what);
    return nullptr;
  }
  return static_cast<T*>(data);
}

int64_t i64(Args& a, size_t k) {
  int64_t x = 0;
  if (k >= a.n || napi_get_value_int64(a.env, a.v[k], &x) != napi_ok) a.fail("expected an integer");
  return x;
}

// logmelFrames(x, origin, length, t0, t1, hop, win, segStart, rise, out): contract in
// engine/kernels/features.ts. N = win.length, B = segStart.length − 2. Checks that every frame
// reads inside x and that the tables fit N, so a wrong call throws instead of reading astray.
// The arguments logmelFrames and mfccFrames share (the first nine), unwrapped and checked.
struct FrameArgs {
  const float* x = nullptr;
  int64_t origin = 0, length = 0, t0 = 0, t1 = 0;
  int hop = 0, N = 0, B = 0;
  const double* win = nullptr;
  const int32_t* seg = nullptr;
  const double* rise = nullptr;
};

bool frameArgs(Args& a, FrameArgs* f) {
  size_t nx = 0, N = 0, nseg = 0, K = 0;
  f->x = typed<float>(a, 0, napi_float32_array, &nx, "x: expected a Float32Array");
  f->origin = i64(a, 1), f->length = i64(a, 2), f->t0 = i64(a, 3), f->t1 = i64(a, 4);
  f->hop = a.i32(5);
  f->win = typed<double>(a, 6, napi_float64_array, &N, "win: expected a Float64Array");
  f->seg = typed<int32_t>(a, 7, napi_int32_array, &nseg, "segStart: expected an Int32Array");
  f->rise = typed<double>(a, 8, napi_float64_array, &K, "rise: expected a Float64Array");
  if (!a.ok) return false;
  if (N < 8 || N > (1 << 20) || (N & (N - 1)))
    return a.fail("win.length is not a power of two ≥ 8"), false;
  if (K != N / 2 + 1) return a.fail("rise.length must be win.length / 2 + 1"), false;
  if (nseg < 3) return a.fail("segStart needs B + 2 ≥ 3 entries"), false;
  for (size_t s = 0; s < nseg; s++)
    if (f->seg[s] < 0 || (size_t)f->seg[s] > K || (s > 0 && f->seg[s] < f->seg[s - 1]))
      return a.fail("segStart must rise within 0 … win.length / 2 + 1"), false;
  f->N = (int)N;
  f->B = (int)nseg - 2;
  if (f->hop < 1 || f->t0 < 0 || f->t1 < f->t0 || f->origin < 0 || f->length < 0)
    return a.fail("bad hop, frame range or signal slice"), false;
  for (int64_t t = f->t0; t < f->t1; t++) {
    const int64_t start = t * f->hop - (int64_t)N / 2;
    const int64_t lo = start > 0 ? start : 0;
    const int64_t hi = start + (int64_t)N < f->length ? start + (int64_t)N : f->length;
    if (lo < hi && (lo < f->origin || hi > f->origin + (int64_t)nx))
      return a.fail("a frame reads samples outside x"), false;
  }
  return true;
}

napi_value LogmelFrames(napi_env env, napi_callback_info info) {
  Args a(env, info);
  FrameArgs f;
  if (!frameArgs(a, &f)) return nullptr;
  size_t nout = 0;
  double* out = typed<double>(a, 9, napi_float64_array, &nout, "out: expected a Float64Array");
  if (!a.ok) return nullptr;
  if ((size_t)(f.t1 - f.t0) * f.B > nout)
    return a.fail("out is shorter than (t1 − t0) × B"), nullptr;
  a.t->features->logmelFrames(f.x, f.origin, f.length, f.t0, f.t1, f.hop, f.N, f.win, f.B, f.seg,
                              f.rise, out);
  return nullptr;
}

// mfccFrames(x, origin, length, t0, t1, hop, win, segStart, rise, dct, out): contract in
// engine/kernels/features.ts; dct is n × B (float32), out receives (t1 − t0) × n (float32).
napi_value MfccFrames(napi_env env, napi_callback_info info) {
  Args a(env, info);
  FrameArgs f;
  if (!frameArgs(a, &f)) return nullptr;
  size_t nd = 0, nout = 0;
  const float* dct = typed<float>(a, 9, napi_float32_array, &nd, "dct: expected a Float32Array");
  float* out = typed<float>(a, 10, napi_float32_array, &nout, "out: expected a Float32Array");
  if (!a.ok) return nullptr;
  if (nd == 0 || nd % f.B) return a.fail("dct.length must be n × B, n ≥ 1"), nullptr;
  const int n = (int)(nd / f.B);
  if ((size_t)(f.t1 - f.t0) * n > nout)
    return a.fail("out is shorter than (t1 − t0) × n"), nullptr;
  a.t->features->mfccFrames(f.x, f.origin, f.length, f.t0, f.t1, f.hop, f.N, f.win, f.B, f.seg,
                            f.rise, dct, n, out);
  return nullptr;
}

// resampleRange(x, origin, length, L, M, Wc, table, o0, o1, y): contract in
// engine/kernels/resample.ts. Checks the table's size and that every output reads inside x.
napi_value ResampleRange(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t nx = 0, nt = 0, ny = 0;
  const float* x = typed<float>(a, 0, napi_float32_array, &nx, "x: expected a Float32Array");
  const int64_t origin = i64(a, 1), length = i64(a, 2);
  const int L = a.i32(3), M = a.i32(4), Wc = a.i32(5);
  const float* table = typed<float>(a, 6, napi_float32_array, &nt, "table: expected a Float32Array");
  const int64_t o0 = i64(a, 7), o1 = i64(a, 8);
  float* y = typed<float>(a, 9, napi_float32_array, &ny, "y: expected a Float32Array");
  if (!a.ok) return nullptr;
  if (L < 1 || M < 1 || Wc < 1) return a.fail("L, M and Wc must be ≥ 1"), nullptr;
  if (nt != (size_t)L * 2 * Wc) return a.fail("table.length must be L × 2·Wc"), nullptr;
  if (origin < 0 || length < 0 || o0 < 0 || o1 < o0 || (o1 - o0) > (int64_t)ny)
    return a.fail("bad signal slice or output range (y holds o1 − o0 values)"), nullptr;
  if (o1 > o0 && (o1 - 1) > INT64_MAX / M) return a.fail("output index too large"), nullptr;
  if (o1 > o0) {
    // j0 rises with o: the first output reads from lo, the last up to hi.
    const int64_t first = (o0 * M) / L - Wc + 1, last = ((o1 - 1) * M) / L + Wc;
    const int64_t lo = first > 0 ? first : 0, hi = last + 1 < length ? last + 1 : length;
    if (lo < hi && (lo < origin || hi > origin + (int64_t)nx))
      return a.fail("an output reads samples outside x"), nullptr;
  }
  a.t->features->resampleRange(x, origin, length, L, M, Wc, table, o0, o1, y);
  return nullptr;
}

// flacDecode(data, channels, bits, channel, skip, out, want): contract in engine/kernels/flac.ts.
napi_value FlacDecode(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t nd = 0, nout = 0;
  const uint8_t* data = typed<uint8_t>(a, 0, napi_uint8_array, &nd, "data: expected a Uint8Array");
  const int channels = a.i32(1), bits = a.i32(2), channel = a.i32(3);
  const int64_t skip = i64(a, 4);
  float* out = typed<float>(a, 5, napi_float32_array, &nout, "out: expected a Float32Array");
  const int64_t want = i64(a, 6);
  if (!a.ok) return nullptr;
  if (channels < 1 || channels > 8 || bits < 4 || bits > 32 || channel >= channels || skip < 0)
    return a.fail("bad channels, bits, channel or skip"), nullptr;
  if (want < 0 || (size_t)want > nout) return a.fail("out holds fewer than want samples"), nullptr;
  const int64_t r = a.t->features->flacDecode(data, (int64_t)nd, channels, bits, channel < 0 ? -1 : channel, skip, out, want);
  napi_value result;
  napi_create_int64(env, r, &result);
  return result;
}

// Defines the kernels of `table` (and its name) on `obj`.
void defineKernels(napi_env env, napi_value obj, const fw::Table* table) {
  void* d = const_cast<fw::Table*>(table);
  const napi_property_attributes e = napi_enumerable;
  const napi_property_descriptor fns[] = {
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, e, d},
      {"colSum", nullptr, ColSum, nullptr, nullptr, nullptr, e, d},
      {"lstmForwardStep", nullptr, LstmForwardStep, nullptr, nullptr, nullptr, e, d},
      {"lstmBackwardStep", nullptr, LstmBackwardStep, nullptr, nullptr, nullptr, e, d},
      {"gruForwardStep", nullptr, GruForwardStep, nullptr, nullptr, nullptr, e, d},
      {"gruBackwardStep", nullptr, GruBackwardStep, nullptr, nullptr, nullptr, e, d},
      {"rnnForwardStep", nullptr, RnnForwardStep, nullptr, nullptr, nullptr, e, d},
      {"rnnBackwardStep", nullptr, RnnBackwardStep, nullptr, nullptr, nullptr, e, d},
      {"logmelFrames", nullptr, LogmelFrames, nullptr, nullptr, nullptr, e, d},
      {"resampleRange", nullptr, ResampleRange, nullptr, nullptr, nullptr, e, d},
      {"mfccFrames", nullptr, MfccFrames, nullptr, nullptr, nullptr, e, d},
      {"flacDecode", nullptr, FlacDecode, nullptr, nullptr, nullptr, e, d},
  };
  napi_define_properties(env, obj, sizeof(fns) / sizeof(fns[0]), fns);
  napi_value name;
  napi_create_string_utf8(env, table->name, NAPI_AUTO_LENGTH, &name);
  napi_set_named_property(env, obj, "name", name);
}

// variant('avx512' | 'avx2' | 'sse2') → the kernels for that ISA, or null if the CPU lacks it.
napi_value Variant(napi_env env, napi_callback_info info) {
  size_t n = 1;
  napi_value arg, result;
  char isa[16] = {0};
  size_t len = 0;
  napi_get_cb_info(env, info, &n, &arg, nullptr, nullptr);
  if (n < 1 || napi_get_value_string_utf8(env, arg, isa, sizeof isa, &len) != napi_ok) {
    napi_throw_type_error(env, nullptr, "expected an ISA name");
    return nullptr;
  }
  const fw::Table* table = supported(isa);
  if (!table) {
    napi_get_null(env, &result);
    return result;
  }
  napi_create_object(env, &result);
  defineKernels(env, result, table);
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  defineKernels(env, exports, pickTable());
  napi_value fn;
  napi_create_function(env, "variant", NAPI_AUTO_LENGTH, Variant, nullptr, &fn);
  napi_set_named_property(env, exports, "variant", fn);
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return Init(env, exports); }
