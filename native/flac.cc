// FLAC frame decoding (the format's frames: https://xiph.org/flac/format.html), for the feature
// workers' slices of a FLAC file (engine/media/audio/flac-frames.ts): consecutive frames from a
// frame header on, mixed down (or one channel) to float32 as audio-decode gives them,
// s / (2^(bps−1) − 1).
// Scalar code (Rice decoding is serial); compiled per ISA only because build-kernels.js builds
// every source so. Each frame's CRC-16 is checked, so a slice that started at a false header or
// bytes that are damaged stop the decode with an error instead of giving wrong samples.
//
//   frame     = header (sync FF F8|F9, block size, rate, channels, sample size, UTF-8 number,
//               CRC-8) · one subframe per channel · zero bits to a byte · CRC-16
//   subframe  = 0 · type (6 bits) · wasted-bits flag [· unary k: k + 1 wasted bits]
//               CONSTANT (one sample) | VERBATIM (all samples) | FIXED order 0…4 | LPC order 1…32
//   residual  = coding (2 bits: Rice parameter of 4 or 5 bits) · partition order (4 bits) ·
//               per partition: parameter [escape: 5-bit width, raw samples] · Rice codes
//   channels  = independent | left/side | side/right | mid/side (side has one bit more)
#include <stdint.h>
#include <string.h>

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

// CRC-16 (polynomial 0x8005, MSB first, as FLAC frames end with), 8 bytes per step: t[k][x] is
// the CRC of byte x followed by k zero bytes, so a step XORs eight lookups (the byte-serial loop
// was a fifth of the decoder's time).
struct Crc16 {
  uint16_t t[8][256];
  Crc16() {
    for (int i = 0; i < 256; i++) {
      uint16_t c = (uint16_t)(i << 8);
      for (int k = 0; k < 8; k++) c = (uint16_t)(c & 0x8000 ? (c << 1) ^ 0x8005 : c << 1);
      t[0][i] = c;
    }
    for (int k = 1; k < 8; k++)
      for (int i = 0; i < 256; i++)
        t[k][i] = (uint16_t)((t[k - 1][i] << 8) ^ t[0][t[k - 1][i] >> 8]);
  }
  uint16_t of(const uint8_t* p, int64_t n) const {
    uint16_t c = 0;
    for (; n >= 8; n -= 8, p += 8)
      c = t[7][(c >> 8) ^ p[0]] ^ t[6][(c & 0xff) ^ p[1]] ^ t[5][p[2]] ^ t[4][p[3]] ^
          t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    for (; n > 0; n--, p++) c = (uint16_t)((c << 8) ^ t[0][(c >> 8) ^ *p]);
    return c;
  }
};
const Crc16 crc16;

uint8_t crc8(const uint8_t* p, int64_t n) {
  uint8_t c = 0;
  for (int64_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (uint8_t)(c & 0x80 ? (c << 1) ^ 0x07 : c << 1);
  }
  return c;
}

// MSB-first bit reader over [data, end); past the end it reads zeros and over() turns true.
struct Bits {
  const uint8_t* p;
  const uint8_t* end;
  uint64_t cache = 0;  // the next `have` bits, left-aligned
  int have = 0;
  int64_t pad = 0;  // zero bytes put in the cache past the end

  Bits(const uint8_t* b, const uint8_t* e) : p(b), end(e) {}
  void refill() {
    while (have <= 56) {
      uint64_t byte = 0;
      if (p < end) byte = *p++;
      else pad++;
      cache |= byte << (56 - have);
      have += 8;
    }
  }
  // True once a bit past the end was consumed.
  bool over() const { return have < pad * 8; }
  uint32_t u(int n) {  // n ≤ 32
    if (n == 0) return 0;
    if (have < n) refill();
    const uint32_t v = (uint32_t)(cache >> (64 - n));
    cache <<= n;
    have -= n;
    return v;
  }
  int32_t s(int n) {  // two's complement, n ≤ 32
    if (n == 0) return 0;
    const uint32_t v = u(n);
    return (int32_t)(v << (32 - n)) >> (32 - n);
  }
  uint32_t unary() {  // zeros before a one, and the one
    uint32_t q = 0;
    for (;;) {
      if (have == 0) refill();
      // the cache's bits below `have` are zero, so a set bit is a real one
      const int z = cache ? __builtin_clzll(cache) : 64;
      if (z < have) {
        q += z;
        cache <<= z;
        cache <<= 1;
        have -= z + 1;
        return q;
      }
      q += have;
      cache = 0;
      have = 0;
      if (over() || (p >= end && pad > 0)) {
        pad += 8;  // mark the overrun
        return q;
      }
    }
  }
  // The next whole byte (call when byte-aligned).
  const uint8_t* at() const { return p + pad - have / 8; }
  void align() {
    const int r = have % 8;
    cache <<= r;
    have -= r;
  }
};

bool residualLoop(Bits& b, int n, int order, int32_t* __restrict r);

// The reader is copied into a local for the loops below: writes through r (int32) or s
// (int64) could alias its members, which would keep them out of registers.
bool residual(Bits& reader, int n, int order, int32_t* __restrict r) {
  Bits b = reader;
  const bool ok = residualLoop(b, n, order, r);
  reader = b;
  return ok;
}

bool residualLoop(Bits& b, int n, int order, int32_t* __restrict r) {
  const int coding = (int)b.u(2);
  if (coding > 1) return false;
  const int pbits = coding == 0 ? 4 : 5, escape = coding == 0 ? 15 : 31;
  const int porder = (int)b.u(4);
  const int parts = 1 << porder;
  if ((n >> porder) << porder != n || (n >> porder) < order) return false;
  int i = 0;
  for (int part = 0; part < parts; part++) {
    const int count = (n >> porder) - (part == 0 ? order : 0);
    const int k = (int)b.u(pbits);
    if (k == escape) {
      const int w = (int)b.u(5);
      for (int j = 0; j < count; j++) r[i++] = b.s(w);
    } else {
      for (int j = 0; j < count; j++) {
        const uint32_t q = b.unary();
        const uint32_t v = (q << k) | b.u(k);
        r[i++] = (int32_t)(v >> 1) ^ -(int32_t)(v & 1);
      }
    }
    if (b.over()) return false;
  }
  return true;
}

// One subframe of n samples at bps bits into s (int64 holds side channels and LPC sums).
bool subframeLoop(Bits& b, int n, int bps, int64_t* __restrict s, std::vector<int32_t>& res);

bool subframe(Bits& reader, int n, int bps, int64_t* s, std::vector<int32_t>& res) {
  Bits b = reader;
  const bool ok = subframeLoop(b, n, bps, s, res);
  reader = b;
  return ok;
}

bool subframeLoop(Bits& b, int n, int bps, int64_t* __restrict s, std::vector<int32_t>& res) {
  if (b.u(1) != 0) return false;
  const int type = (int)b.u(6);
  int wasted = 0;
  if (b.u(1)) wasted = (int)b.unary() + 1;
  bps -= wasted;
  if (bps <= 0 || bps > 33) return false;
  // read a signed sample of bps ≤ 33 bits
  auto sample = [&](void) -> int64_t {
    if (bps <= 32) return b.s(bps);
    const int64_t hi = b.s(1), lo = b.u(32);
    return hi * 4294967296LL + lo;
  };
  if (type == 0) {
    const int64_t v = sample();
    for (int i = 0; i < n; i++) s[i] = v;
  } else if (type == 1) {
    for (int i = 0; i < n; i++) s[i] = sample();
  } else if (type >= 8 && type <= 12) {
    const int order = type - 8;
    if (order > n) return false;
    for (int i = 0; i < order; i++) s[i] = sample();
    res.resize(n);
    if (!residual(b, n, order, res.data())) return false;
    const int32_t* r = res.data();
    switch (order) {
      case 0:
        for (int i = 0; i < n; i++) s[i] = r[i];
        break;
      case 1:
        for (int i = 1; i < n; i++) s[i] = r[i - 1] + s[i - 1];
        break;
      case 2:
        for (int i = 2; i < n; i++) s[i] = r[i - 2] + 2 * s[i - 1] - s[i - 2];
        break;
      case 3:
        for (int i = 3; i < n; i++) s[i] = r[i - 3] + 3 * s[i - 1] - 3 * s[i - 2] + s[i - 3];
        break;
      case 4:
        for (int i = 4; i < n; i++)
          s[i] = r[i - 4] + 4 * s[i - 1] - 6 * s[i - 2] + 4 * s[i - 3] - s[i - 4];
        break;
    }
  } else if (type >= 32) {
    const int order = type - 31;
    if (order > n) return false;
    for (int i = 0; i < order; i++) s[i] = sample();
    const int precision = (int)b.u(4) + 1;
    if (precision == 16) return false;
    const int shift = b.s(5);
    if (shift < 0) return false;
    int32_t q[32];
    for (int j = 0; j < order; j++) q[j] = b.s(precision);
    res.resize(n);
    if (!residual(b, n, order, res.data())) return false;
    const int32_t* r = res.data();
    for (int i = order; i < n; i++) {
      int64_t acc = 0;
      for (int j = 0; j < order; j++) acc += (int64_t)q[j] * s[i - 1 - j];
      s[i] = r[i - order] + (acc >> shift);
    }
  } else {
    return false;
  }
  if (wasted)
    for (int i = 0; i < n; i++) s[i] <<= wasted;
  return !b.over();
}

// The block size and channel assignment of the header at p, its length in `len`; 0 when it
// is not one (or not of this stream's channels and sample size).
int header(const uint8_t* p, const uint8_t* end, int channels, int bits, int* assignment,
           int64_t* len) {
  if (end - p < 6 || p[0] != 0xff || (p[1] & 0xfe) != 0xf8) return 0;
  const int bsCode = p[2] >> 4, rateCode = p[2] & 15, a = p[3] >> 4, sizeCode = (p[3] >> 1) & 7;
  if (bsCode == 0 || rateCode == 15 || a > 10 || (p[3] & 1) || sizeCode == 3) return 0;
  if ((a < 8 ? a + 1 : 2) != channels) return 0;
  static const int sizes[8] = {0, 8, 12, 0, 16, 20, 24, 32};
  if (sizes[sizeCode] && sizes[sizeCode] != bits) return 0;
  const uint8_t* q = p + 4;
  const int lead = *q++;
  int extra = 0;
  while (extra < 8 && (lead & (0x80 >> extra))) extra++;
  if (extra == 1 || extra > 7) return 0;
  for (int k = 1; k < extra; k++, q++)
    if (q >= end || (*q & 0xc0) != 0x80) return 0;
  int n;
  if (bsCode == 1) n = 192;
  else if (bsCode <= 5) n = 576 << (bsCode - 2);
  else if (bsCode == 6) n = (q < end ? *q++ : 0) + 1;
  else if (bsCode == 7) n = (end - q >= 2 ? (q[0] << 8 | q[1]) : 0) + 1, q += 2;
  else n = 256 << (bsCode - 8);
  q += rateCode == 12 ? 1 : rateCode == 13 || rateCode == 14 ? 2 : 0;
  if (q >= end || crc8(p, q - p) != *q) return 0;
  *assignment = a;
  *len = q + 1 - p;
  return n;
}

thread_local std::vector<int64_t> chans;
thread_local std::vector<int32_t> res;

}  // namespace

// Decodes the frames of data[0, n) from its first byte (a frame header), skipping the first
// `skip` samples, into out: the channels' mean (channel < 0) or one channel, as float32
// s / 2^(bits−1). Stops when out holds `want` samples or the data ends; returns the samples
// written, or −1 − (bytes decoded before the bad frame) when a frame does not decode or its
// CRC-16 does not match.
int64_t flacDecode(const uint8_t* data, int64_t n, int channels, int bits, int channel,
                   int64_t skip, float* out, int64_t want) {
  const uint8_t* p = data;
  const uint8_t* end = data + n;
  int64_t written = 0;
  // audio-decode's scale (libFLAC's integers over 2^(bps−1) − 1, not 2^(bps−1)), so slices equal
  // the whole-file decode exactly
  const double denom = (double)((1LL << (bits - 1)) - 1);
  while (written < want && p < end) {
    int assignment = 0;
    int64_t hlen = 0;
    const int bs = header(p, end, channels, bits, &assignment, &hlen);
    if (!bs) return -1 - (p - data);
    chans.resize((size_t)channels * bs);
    std::vector<int32_t>& scratch = res;
    int64_t* frame = chans.data();
    Bits b(p + hlen, end);
    for (int c = 0; c < channels; c++) {
      const bool side = (assignment == 8 && c == 1) || (assignment == 9 && c == 0) ||
                        (assignment == 10 && c == 1);
      if (!subframe(b, bs, bits + (side ? 1 : 0), frame + (size_t)c * bs, scratch))
        return -1 - (p - data);
    }
    b.align();
    const uint8_t* crcAt = b.at();
    // a frame cut by the end of the data (a truncated file): what came before it stands
    if (b.over() || end - crcAt < 2) return written ? written : -1 - (p - data);
    if (crc16.of(p, crcAt - p) != (uint16_t)(crcAt[0] << 8 | crcAt[1])) return -1 - (p - data);
    int64_t* cs = chans.data();  // thread_local: one TLS lookup per frame, not per sample
    int64_t* s0 = cs;
    int64_t* s1 = channels > 1 ? s0 + bs : s0;
    if (assignment == 8)  // left, side: right = left − side
      for (int i = 0; i < bs; i++) s1[i] = s0[i] - s1[i];
    else if (assignment == 9)  // side, right: left = side + right
      for (int i = 0; i < bs; i++) s0[i] += s1[i];
    else if (assignment == 10)  // mid, side
      for (int i = 0; i < bs; i++) {
        const int64_t side = s1[i], mid = (s0[i] << 1) | (side & 1);
        s0[i] = (mid + side) >> 1;
        s1[i] = (mid - side) >> 1;
      }
    const int64_t from = skip < bs ? skip : bs;
    skip -= from;
    for (int64_t i = from; i < bs && written < want; i++) {
      double v;
      if (channel >= 0) {
        v = (double)(float)((double)cs[(size_t)channel * bs + i] / denom);
      } else {
        v = 0;
        for (int c = 0; c < channels; c++) v += (float)((double)cs[(size_t)c * bs + i] / denom);
        v /= channels;
      }
      out[written++] = (float)v;
    }
    p = crcAt + 2;
  }
  return written;
}

}  // namespace FW_NS
}  // namespace fw
