"""Framewise's FeatureSpec in NumPy: the features a feature-input Framewise model takes.

A short reference for consumers of exported models outside Framewise (the engine's own code is
engine/features/; CI checks this file against it to 1e-4, engine/recipes/featurespec.test.ts).
It covers the audio specs of log-mel and MFCC bands, Δ/ΔΔ and normalisation:

    frames    frame t covers samples [t·hop − N/2, t·hop + N/2), zero-padded past the ends;
              T = ⌊n / hop⌋ + 1 frames for n samples
    window    symmetric: hann 0.5 − 0.5·cos(2πi/(N−1)), hamming 0.54 − 0.46·cos(2πi/N), ...
    power     P_k = |FFT(x · w)_k|², k = 0 … N/2
    mel       HTK triangles (peak 1, unnormalised) between edges evenly spaced in
              mel(f) = 2595·log10(1 + f/700) from fMin to fMax, at bin frequencies k·sr/N
    log-mel   L_b = ln(max(Σ_k w_b(k)·P_k, 1e-10))
    MFCC      orthonormal DCT-II of L, first n rows
    Δ         d_t = Σ_{n=1..W} n·(c_{t+n} − c_{t−n}) / (2·Σ n²), edges replicated; ΔΔ = Δ(Δ)
    per-file  (x − mean) / max(std, 1e-5) per column over the file (population std)
    global    (x − mean) / std with the spec's stored mean and std

Input: mono samples at the spec's sample rate (resample first if needed), scaled to [−1, 1)
(16-bit PCM / 32768). Usage: python3 featurespec.py file.wav [spec.json] [out.npy]
"""
import json
import sys
import wave

import numpy as np

DEFAULT_SPEC = {
    "kind": "audio", "sampleRate": 16000, "channel": "mix", "frameLength": 512,
    "hopLength": 160, "window": "hann", "features": [{"name": "mfcc", "n": 13}],
    "mel": {"bands": 40, "fMin": 0, "fMax": None}, "deltas": 2, "deltaWidth": 2,
    "normalization": {"mode": "per-file"},
}
LOG_FLOOR = 1e-10
STD_FLOOR = 1e-5


def with_defaults(spec):
    """The spec with Framewise's defaults filled in (one level deep, as the engine's schema)."""
    out = {**DEFAULT_SPEC, **(spec or {})}
    out["mel"] = {**DEFAULT_SPEC["mel"], **out.get("mel", {})}
    return out


def window(name, N):
    i = np.arange(N, dtype=np.float64)
    a = 2 * np.pi * i / (N - 1)
    return {
        "hann": lambda: 0.5 - 0.5 * np.cos(a),
        "hamming": lambda: 0.54 - 0.46 * np.cos(2 * np.pi * i / N),
        "blackman": lambda: 0.42 - 0.5 * np.cos(a) + 0.08 * np.cos(2 * a),
        "sine": lambda: np.sin(np.pi * i / (N - 1)),
    }[name]()


def mel_filterbank(bands, N, sr, f_min, f_max):
    """(bands, N/2 + 1) triangular weights."""
    mel = lambda f: 2595 * np.log10(1 + f / 700)
    hz = lambda m: 700 * (10 ** (m / 2595) - 1)
    edges = hz(np.linspace(mel(f_min), mel(f_max), bands + 2))
    f = np.arange(N // 2 + 1) * sr / N
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    return np.maximum(0, np.minimum((f - lo) / (mid - lo), (hi - f) / (hi - mid)))


def dct_matrix(n, B):
    """(n, B) orthonormal DCT-II rows."""
    i, b = np.arange(n)[:, None], np.arange(B)[None, :]
    m = np.sqrt(2 / B) * np.cos(np.pi * i * (b + 0.5) / B)
    m[0] *= np.sqrt(0.5)
    return m


def frames(x, N, hop):
    """(T, N) centred frames, zero-padded."""
    T = len(x) // hop + 1
    padded = np.concatenate([np.zeros(N // 2), x, np.zeros(N)])
    idx = np.arange(T)[:, None] * hop + np.arange(N)[None, :]
    return padded[idx]


def delta(c, W):
    T = len(c)
    denom = 2 * sum(n * n for n in range(1, W + 1))
    d = np.zeros_like(c)
    for n in range(1, W + 1):
        d += n * (c[np.minimum(T - 1, np.arange(T) + n)] - c[np.maximum(0, np.arange(T) - n)])
    return d / denom


def features(x, spec=None):
    """(T, F) float32 features of mono samples `x` at the spec's rate."""
    s = with_defaults(spec)
    assert s["kind"] == "audio", "this reference covers audio specs"
    N, hop, sr = s["frameLength"], s["hopLength"], s["sampleRate"]
    power = np.abs(np.fft.rfft(frames(np.asarray(x, np.float64), N, hop) * window(s["window"], N))) ** 2
    fb = mel_filterbank(s["mel"]["bands"], N, sr, s["mel"]["fMin"], s["mel"]["fMax"] or sr / 2)
    logmel = np.log(np.maximum(power @ fb.T, LOG_FLOOR))
    blocks = []
    for f in s["features"]:
        if f["name"] == "mfcc":
            blocks.append(logmel @ dct_matrix(f.get("n", 13), s["mel"]["bands"]).T)
        elif f["name"] == "logmel":
            blocks.append(logmel)
        else:
            raise ValueError(f"feature {f['name']!r} is not in this reference (mfcc, logmel)")
    c = np.concatenate(blocks, axis=1)
    out = [c]
    if s["deltas"] >= 1:
        out.append(delta(c, s["deltaWidth"]))
    if s["deltas"] >= 2:
        out.append(delta(out[1], s["deltaWidth"]))
    y = np.concatenate(out, axis=1)
    norm = s["normalization"]
    if norm["mode"] == "per-file":
        y = (y - y.mean(0)) / np.maximum(y.std(0), STD_FLOOR)
    elif norm["mode"] == "global" and norm["mean"]:
        y = (y - np.asarray(norm["mean"])) / np.asarray(norm["std"])
    return y.astype(np.float32)


def read_wav(path):
    """Samples of a 16-bit PCM WAV (channels averaged) and its rate."""
    with wave.open(path) as w:
        assert w.getsampwidth() == 2, "this reader takes 16-bit PCM WAV"
        raw = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
        return raw.reshape(-1, w.getnchannels()).mean(1), w.getframerate()


if __name__ == "__main__":
    x, rate = read_wav(sys.argv[1])
    spec = with_defaults(json.load(open(sys.argv[2])) if len(sys.argv) > 2 else None)
    if rate != spec["sampleRate"]:
        sys.exit(f"{sys.argv[1]}: {rate} Hz, the spec takes {spec['sampleRate']} Hz; resample it first")
    y = features(x, spec)
    if len(sys.argv) > 3:
        np.save(sys.argv[3], y)
    else:
        print(json.dumps({"frames": y.shape[0], "dims": y.shape[1]}))
