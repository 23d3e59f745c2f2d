"""Time to 97.5% test accuracy: the studio's CNN recipe against pytorch/examples MNIST.

Both run in this process on the bundled data (4,500 train / 500 test), evaluating
after every epoch, capped at 30 epochs. The baseline is pytorch/examples' mnist/main.py
recipe (its Net, Adadelta lr 1.0, StepLR gamma 0.7, batch 64, inputs normalized with
MNIST's mean and std, a DataLoader over the same tensors, no augmentation). Ours is the
default `studio train cnn` recipe, run through the same training generator the CLI and
GUI use. Prints one line per epoch, then a JSON summary on the last line.
"""

from __future__ import annotations

import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from studio.ml.data.digit_datasets import bundled_mnist
from studio.ml.training.training_loop import default_settings, to_tensors, train

TARGET = 0.975
CAP = 30


class Net(nn.Module):  # pytorch/examples mnist/main.py, verbatim
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = torch.flatten(self.dropout1(x), 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def run_baseline(data) -> tuple[float | None, float, float]:
    torch.manual_seed(1)
    device = torch.device("cpu")
    x_train, y_train = to_tensors(data.train, device)
    x_test, y_test = to_tensors(data.test, device)
    norm = lambda x: (x - 0.1307) / 0.3081  # noqa: E731 - transforms.Normalize of the example
    train_loader = DataLoader(TensorDataset(norm(x_train), y_train), batch_size=64, shuffle=True)
    test_loader = DataLoader(TensorDataset(norm(x_test), y_test), batch_size=1000)
    model = Net()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    start, seen, reached = time.perf_counter(), 0, None
    for epoch in range(1, CAP + 1):
        model.train()
        for data_b, target in train_loader:
            optimizer.zero_grad()
            loss = F.nll_loss(model(data_b), target)
            loss.backward()
            optimizer.step()
            seen += len(target)
        scheduler.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for data_b, target in test_loader:
                correct += (model(data_b).argmax(1) == target).sum().item()
        acc = correct / len(y_test)
        elapsed = time.perf_counter() - start
        print(f"baseline epoch {epoch}: accuracy {acc:.3f} at {elapsed:.1f}s", flush=True)
        if acc >= TARGET:
            reached = elapsed
            break
    elapsed = time.perf_counter() - start
    return reached, elapsed, seen / elapsed


def run_ours(data) -> tuple[float | None, float, float]:
    settings = default_settings("cnn", device="cpu", report_every_s=1e9)
    assert settings.epochs <= CAP
    steps_per_epoch = len(data.train) // settings.batch_size
    reached, seen, elapsed = None, 0, 0.0
    for p in train(settings, data):
        if p.event != "epoch":
            continue
        seen, elapsed = p.step * settings.batch_size, p.elapsed_s
        acc = p.metrics["accuracy"]
        print(f"ours epoch {p.epoch}: accuracy {acc:.3f} at {elapsed:.1f}s", flush=True)
        if acc >= TARGET:
            reached = elapsed
            break
    assert seen == steps_per_epoch * settings.batch_size * p.epoch
    return reached, elapsed, seen / elapsed


def main() -> None:
    data = bundled_mnist()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU")
    baseline_s, baseline_total, baseline_rate = run_baseline(data)
    ours_s, ours_total, ours_rate = run_ours(data)
    # A recipe that never reaches the target within the cap is charged the whole capped
    # run, and the speedup is then a bound: the flags say which figures are bounds.
    baseline_cost = baseline_s if baseline_s is not None else baseline_total
    ours_cost = ours_s if ours_s is not None else ours_total
    print(json.dumps({
        "ours_s": round(ours_cost, 2), "baseline_s": round(baseline_cost, 2),
        "speedup": round(baseline_cost / ours_cost, 2),
        "ours_samples_per_s": round(ours_rate, 1),
        "baseline_samples_per_s": round(baseline_rate, 1),
        "ours_reached_target": ours_s is not None,
        "baseline_reached_target": baseline_s is not None,
    }))


if __name__ == "__main__":
    main()
