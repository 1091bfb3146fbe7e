"""Train a Framewise tagger in PyTorch on a `framewise export-dataset` folder, on one or many
GPUs or CPU processes, and export it as ONNX with Framewise's metadata, so that
`framewise predict` and the studio's Models panel (Import) use it like one of their own.

    torchrun --standalone --nproc_per_node=2 train.py DATASET --out model.onnx [options]

The architecture is Framewise's (models/tagger.ts): L stacked GRU or LSTM layers, bidirectional
by default (forward and backward outputs concatenated, [fwd | bwd]), dropout between layers, and
a per-frame linear layer; softmax over the classes of an exclusive tier, or one sigmoid per class
of an overlapping tier. PyTorch's nn.GRU/nn.LSTM are the cells Framewise implements (gate order
r, z, n / i, f, g, o, two bias vectors, the GRU's reset gate applied to W_hn·h + b_hn), so the
same settings describe the same function. Sequences are packed with their lengths: a chunk's
backward direction starts at its own last frame, never in padding, as in Framewise.

Distributed: DistributedDataParallel over the processes torchrun starts, NCCL on GPUs, gloo on
CPUs. Each step every process takes its own batch of chunks (DistributedSampler, reseeded each
epoch) and gradients are averaged; rank 0 writes the ONNX file and `<out stem>.pt` (weights and
settings, for `load` below). The model takes the features as the dataset holds them; its
metadata carries the dataset's FeatureSpec and class names, which Framewise checks on import.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class Tagger(nn.Module):
    """(batch, time, F) features → (batch, time, C) logits."""

    def __init__(self, F, C, cell="gru", hidden=64, layers=2, bidirectional=True, dropout=0.1):
        super().__init__()
        rnn = {"gru": nn.GRU, "lstm": nn.LSTM}[cell]
        self.rnn = rnn(F, hidden, num_layers=layers, bidirectional=bidirectional,
                       dropout=dropout if layers > 1 else 0.0, batch_first=True)
        self.out = nn.Linear(hidden * (2 if bidirectional else 1), C)

    def forward(self, x, lengths=None):
        if lengths is None:
            y, _ = self.rnn(x)
        else:
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            y, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True,
                                       total_length=x.shape[1])
        return self.out(y)


class Probabilities(nn.Module):
    """The exported graph: features → probabilities (softmax or sigmoid head)."""

    def __init__(self, tagger, head):
        super().__init__()
        self.tagger, self.head = tagger, head

    def forward(self, features):
        z = self.tagger(features)
        return torch.softmax(z, -1) if self.head == "softmax" else torch.sigmoid(z)


def load(path):
    """The model saved next to the ONNX file (`<stem>.pt`), in eval mode, and its settings."""
    saved = torch.load(path, map_location="cpu")
    a = saved["settings"]
    model = Tagger(a["F"], a["C"], a["cell"], a["hidden"], a["layers"], a["bidirectional"], 0.0)
    model.load_state_dict(saved["state"])
    return Probabilities(model.eval(), a["head"]).eval(), a


def read_dataset(root, tier_name):
    """The index, the chosen tier and the (features, labels) of every file that has it."""
    index = json.load(open(os.path.join(root, "index.json")))
    tiers = index["tiers"]
    tier = next((t for t in tiers if t["name"] == tier_name), None) if tier_name else \
        next((t for t in tiers if t["kind"] == "exclusive"), tiers[0])
    if tier is None:
        names = ", ".join(t["name"] for t in tiers)
        raise SystemExit(f"{root}/index.json: no tier named {tier_name!r} (tiers: {names})")
    files = []
    for i, f in enumerate(index["files"]):
        if tier["name"] not in f["labels"]:
            continue
        x = np.load(os.path.join(root, f["features"]), mmap_mode="r")
        y = np.load(os.path.join(root, f["labels"][tier["name"]]), mmap_mode="r")
        files.append((i, x, y))
    return index, tier, files


class Chunks(torch.utils.data.Dataset):
    """(features, labels) chunks of at most `length` frames of the files in `ids`, read from the
    memory-mapped .npy files when asked for (a dataset larger than memory trains as well)."""

    def __init__(self, files, ids, length):
        self.items = [(x, y, t) for i, x, y in files if i in ids for t in range(0, len(x), length)]
        self.length = length

    def __len__(self):
        return len(self.items)

    def __getitem__(self, k):
        x, y, t = self.items[k]
        return (torch.from_numpy(np.array(x[t:t + self.length], dtype=np.float32)),
                torch.from_numpy(np.array(y[t:t + self.length], dtype=np.int64)))


def collate(batch, sigmoid):
    """Padded (B, T, F) features, (B, T[, C]) targets (−1 = no loss) and lengths."""
    lengths = torch.tensor([len(x) for x, _ in batch])
    T = int(lengths.max())
    x = torch.zeros(len(batch), T, batch[0][0].shape[1])
    shape = (len(batch), T, batch[0][1].shape[1]) if sigmoid else (len(batch), T)
    y = torch.full(shape, -1, dtype=torch.int64)
    for b, (xb, yb) in enumerate(batch):
        x[b, :len(xb)] = xb
        y[b, :len(yb)] = yb
    if sigmoid:
        y[y == 255] = -1  # masked entries of a multi-hot label file
    return x, y, lengths


def class_weights(files, ids, C, sigmoid, mode):
    """Framewise's class weighting (engine/train/config.ts, data/multi-hot.ts), same formulas.

    softmax: w_c ∝ 1/n_c ('balanced') or 1/√n_c ('sqrt-balanced'), mean 1 over present classes;
    sigmoid: positive weights q_c = negatives_c / positives_c (or its square root), 1 when a
    class has no positives or no negatives.
    """
    if mode == "none":
        return torch.ones(C)
    labels = [y for i, _, y in files if i in ids]
    if sigmoid:
        pos = sum(((y == 1).sum(0) for y in labels), np.zeros(C))
        neg = sum(((y == 0).sum(0) for y in labels), np.zeros(C))
        ratio = np.where((pos > 0) & (neg > 0), neg / np.maximum(pos, 1), 1.0)
        return torch.tensor(ratio if mode == "balanced" else np.sqrt(ratio), dtype=torch.float32)
    counts = np.bincount(np.concatenate([y[y >= 0] for y in labels]), minlength=C)
    raw = np.where(counts > 0, 1 / np.maximum(counts, 1) ** (1 if mode == "balanced" else 0.5), 0)
    w = raw / raw[raw > 0].mean()
    return torch.tensor(np.where(raw > 0, w, 1.0), dtype=torch.float32)


def loss_of(logits, y, sigmoid, weights=None):
    if not sigmoid:
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                                           weight=weights, ignore_index=-1)
    mask = y >= 0
    bce = nn.functional.binary_cross_entropy_with_logits(logits, y.clamp(min=0).float(),
                                                         pos_weight=weights, reduction="none")
    return (bce * mask).sum() / mask.sum().clamp(min=1)


def validation_loss(model, val, sigmoid, device):
    """Mean loss over the validation chunks, one at a time (None without validation files)."""
    model.eval()
    losses = []
    with torch.no_grad():
        for chunk in val:
            x, y, lengths = collate([chunk], sigmoid)
            losses.append(loss_of(model(x.to(device), lengths), y.to(device), sigmoid).item())
    return float(np.mean(losses)) if losses else None


def export_onnx(model, settings, index, tier, path, run_id):
    """The ONNX graph (input `features`, output `probabilities`) with Framewise's metadata."""
    import onnx

    sigmoid = settings["head"] == "sigmoid"
    wrapped = Probabilities(model, settings["head"]).eval()
    dummy = torch.zeros(1, 7, settings["F"])
    torch.onnx.export(wrapped, dummy, path, input_names=["features"],
                      output_names=["probabilities"], opset_version=17,
                      dynamic_axes={"features": {0: "batch", 1: "time"},
                                    "probabilities": {0: "batch", 1: "time"}})
    m = onnx.load(path)
    C = settings["C"]
    meta = {
        "framewise.classes": json.dumps(tier["classes"]),
        "framewise.features": json.dumps(index["spec"], sort_keys=True),
        "framewise.postprocess": json.dumps({
            "medianFilter": 1, "minDuration": 0, "mergeGap": 0,
            "background": None if sigmoid else tier["background"]}, sort_keys=True),
        "framewise.output": "probabilities",
        "framewise.run": run_id,
    }
    if sigmoid:
        meta["framewise.multilabel"] = json.dumps({
            "perClass": [{"threshold": 0.5, "medianFilter": 1, "minDuration": 0}] * C,
            "thresholds": "default"})
    for k, v in meta.items():
        entry = m.metadata_props.add()
        entry.key, entry.value = k, v
    m.producer_name, m.producer_version = "framewise-pytorch-recipe", torch.__version__
    onnx.checker.check_model(m)
    onnx.save(m, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dataset", help="a folder written by `framewise export-dataset`")
    p.add_argument("--out", required=True, help="the .onnx file to write")
    p.add_argument("--tier", help="the tier to learn (default: the first exclusive one)")
    p.add_argument("--cell", choices=["gru", "lstm"], default="gru")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--unidirectional", action="store_true")
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--head", choices=["softmax", "sigmoid"],
                   help="default: softmax for an exclusive tier, sigmoid for an overlapping one")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--steps", type=int, default=0, help="stop after this many steps (0: epochs)")
    p.add_argument("--chunk", type=int, default=400, help="frames per training sequence")
    p.add_argument("--batch", type=int, default=16, help="chunks per step and process")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--class-weights", choices=["none", "sqrt-balanced", "balanced"],
                   default="sqrt-balanced", help="as Framewise's trainer (default sqrt-balanced)")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()

    distributed = "WORLD_SIZE" in os.environ
    cuda = torch.cuda.is_available()
    if distributed:
        dist.init_process_group("nccl" if cuda else "gloo")
    rank = dist.get_rank() if distributed else 0
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if cuda else "cpu")
    if not cuda:
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    torch.manual_seed(a.seed)  # every process starts from the same weights

    index, tier, files = read_dataset(a.dataset, a.tier)
    head = a.head or ("softmax" if tier["kind"] == "exclusive" else "sigmoid")
    if head == "softmax" and tier["kind"] != "exclusive":
        raise SystemExit(f"{a.dataset}: tier {tier['name']!r} overlaps; train it with --head sigmoid")
    if head == "sigmoid" and tier["kind"] != "overlapping":
        raise SystemExit(f"{a.dataset}: tier {tier['name']!r} is exclusive; use --head softmax")
    sigmoid = head == "sigmoid"
    settings = {"F": index["dims"], "C": len(tier["classes"]), "cell": a.cell,
                "hidden": a.hidden, "layers": a.layers, "bidirectional": not a.unidirectional,
                "head": head, "tier": tier["name"]}
    model = Tagger(settings["F"], settings["C"], a.cell, a.hidden, a.layers,
                   not a.unidirectional, a.dropout).to(device)
    ddp = nn.parallel.DistributedDataParallel(model, device_ids=[device] if cuda else None) \
        if distributed else model
    optimiser = torch.optim.Adam(ddp.parameters(), lr=a.lr)

    weights = class_weights(files, set(index["split"]["train"]), settings["C"], sigmoid,
                            a.class_weights).to(device)
    train = Chunks(files, set(index["split"]["train"]), a.chunk)
    val = Chunks(files, set(index["split"]["val"]), a.chunk)
    sampler = torch.utils.data.DistributedSampler(train, seed=a.seed) if distributed else None
    loader = torch.utils.data.DataLoader(train, batch_size=a.batch, sampler=sampler,
                                         shuffle=sampler is None,
                                         collate_fn=lambda b: collate(b, sigmoid))
    world = dist.get_world_size() if distributed else 1
    step, started = 0, time.time()
    for epoch in range(a.epochs):
        if sampler:
            sampler.set_epoch(epoch)
        ddp.train()
        epoch_started, frames = time.time(), 0
        for x, y, lengths in loader:
            frames += int(lengths.sum()) * world  # every process takes a batch of about this size
            loss = loss_of(ddp(x.to(device), lengths), y.to(device), sigmoid, weights)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            step += 1
            if a.steps and step >= a.steps:
                break
        if rank == 0:
            print(json.dumps({"epoch": epoch + 1, "step": step, "loss": loss.item(),
                              "valLoss": validation_loss(model, val, sigmoid, device),
                              "framesPerSecond": round(frames / (time.time() - epoch_started)),
                              "seconds": round(time.time() - started, 2)}), flush=True)
        if a.steps and step >= a.steps:
            break

    if rank == 0:
        model = model.cpu().eval()
        run_id = time.strftime("pytorch-%Y%m%d-%H%M%S")
        export_onnx(model, settings, index, tier, a.out, run_id)
        torch.save({"state": model.state_dict(), "settings": settings},
                   os.path.splitext(a.out)[0] + ".pt")
        print(json.dumps({"model": a.out, "steps": step, "run": run_id}), flush=True)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
