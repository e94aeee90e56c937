"""Camera decoding benchmark: pyzbar vs zxing-cpp on generated, degraded barcode images.

Run: ``uv run python bench/barcode_decoding.py`` (``--per-symbology N`` for a bigger set).

The images are made by libraries other than the decoders: python-barcode (EAN-13, EAN-8,
UPC-A, Code 128) and segno (QR). No DataMatrix generator independent of the decoders is in
the environment (pylibdmtx is not installed), so DataMatrix images come from zxing-cpp's own
writer: independent of pyzbar (which cannot read DataMatrix at all), but NOT of zxing-cpp,
so the zxing-cpp DataMatrix row is a round trip and flatters it.

Each image is degraded with Pillow (blur, rotation by 5/15/30/90 degrees, low contrast,
noise, downscaling), rendered as an RGB "camera frame", and decoded through the till's own
``desktop.devices.scanner.camera.decode_image`` with each engine. A read counts when the
expected text is among the results (misreads are counted separately). Timing is the median
wall time per image, next to a physical-limit baseline measured in the same run: converting
the same frame to grayscale, which every decoder must at least do.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import string
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.devices.scanner.camera import (
    Engine,
    Symbology,
    available_engines,
    decode_image,
)

SYMBOLOGIES = (
    Symbology.EAN13,
    Symbology.EAN8,
    Symbology.UPCA,
    Symbology.CODE128,
    Symbology.QR,
    Symbology.DATAMATRIX,
)


# --------------------------------------------------------------------------- generation
@dataclass(frozen=True)
class Sample:
    symbology: Symbology
    expected: str
    image: Image.Image  # grayscale, clean


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _linear(kind: str, data: str) -> tuple[str, Image.Image]:
    import barcode
    from barcode.writer import ImageWriter

    code = barcode.get(kind, data, writer=ImageWriter())
    buffer = io.BytesIO()
    code.write(
        buffer,
        options={
            "write_text": False,
            "module_width": 0.38,
            "module_height": 12.0,
            "quiet_zone": 4.0,
            "dpi": 200,
        },
    )
    buffer.seek(0)
    return code.get_fullcode(), Image.open(buffer).convert("L")


def _qr(data: str) -> Image.Image:
    import segno

    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=5, border=4)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def _datamatrix(data: str) -> Image.Image:
    import zxingcpp

    code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.DataMatrix)
    raw = memoryview(zxingcpp.write_barcode_to_image(code, scale=5))
    height, width = raw.shape[0], raw.shape[1]
    return Image.frombytes("L", (width, height), raw.tobytes())


def make_samples(per_symbology: int, seed: int = 20261123) -> list[Sample]:
    """Clean images of random codes, ``per_symbology`` of each symbology, reproducibly."""
    rng = random.Random(seed)
    samples: list[Sample] = []
    for _ in range(per_symbology):
        text, image = _linear("ean13", "890" + _digits(rng, 9))
        samples.append(Sample(Symbology.EAN13, text, image))
        text, image = _linear("ean8", _digits(rng, 7))
        samples.append(Sample(Symbology.EAN8, text, image))
        text, image = _linear("upca", "0" + _digits(rng, 10))
        samples.append(Sample(Symbology.UPCA, text, image))
        sku = "SKU-" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(8))
        text, image = _linear("code128", sku)
        samples.append(Sample(Symbology.CODE128, text, image))
        receipt = f"T{rng.randint(1, 99):02d}/2526/{_digits(rng, 6)}"
        samples.append(Sample(Symbology.QR, receipt, _qr(receipt)))
        gs1 = "01089" + _digits(rng, 9) + "10LOT" + _digits(rng, 4)
        samples.append(Sample(Symbology.DATAMATRIX, gs1, _datamatrix(gs1)))
    return samples


# --------------------------------------------------------------------------- degradation
def _noise(image: Image.Image, amplitude: int, seed: int) -> Image.Image:
    rng = random.Random(seed)
    size = image.size
    up = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    down = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    scale = amplitude / 255
    up = up.point(lambda v: int(v * scale))
    down = down.point(lambda v: int(v * scale))
    return ImageChops.subtract(ImageChops.add(image, up), down)


def _rotate(angle: float) -> Callable[[Image.Image], Image.Image]:
    return lambda image: image.rotate(
        angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255
    )


def _scale(factor: float) -> Callable[[Image.Image], Image.Image]:
    def apply(image: Image.Image) -> Image.Image:
        width, height = image.size
        size = (max(1, int(width * factor)), max(1, int(height * factor)))
        return image.resize(size, Image.Resampling.BILINEAR)

    return apply


DEGRADATIONS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "clean": lambda image: image,
    "blur": lambda image: image.filter(ImageFilter.GaussianBlur(1.6)),
    "rot5": _rotate(5),
    "rot15": _rotate(15),
    "rot30": _rotate(30),
    "rot90": _rotate(90),
    "contrast": lambda image: image.point(lambda v: 105 + v * 50 // 255),
    "noise": lambda image: _noise(image, 90, seed=image.size[0] * 7919 + image.size[1]),
    "scale50": _scale(0.5),
    "blur+rot15": lambda image: _rotate(15)(image.filter(ImageFilter.GaussianBlur(1.2))),
}


def as_camera_frame(image: Image.Image) -> Image.Image:
    """Place the code on a grey VGA-sized (640x480 or larger) RGB frame, as a camera gives."""
    width, height = image.size
    frame = Image.new("L", (max(640, width + 48), max(480, height + 48)), 200)
    frame.paste(image, ((frame.width - width) // 2, (frame.height - height) // 2))
    return frame.convert("RGB")


def degraded(samples: list[Sample]) -> Iterator[tuple[str, Sample, Image.Image]]:
    """Every sample under every degradation, as RGB frames."""
    for name, degrade in DEGRADATIONS.items():
        for sample in samples:
            yield name, sample, as_camera_frame(degrade(sample.image))


# --------------------------------------------------------------------------- measuring
@dataclass
class Cell:
    reads: int = 0
    misreads: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float:
        return self.reads / self.total if self.total else 0.0


def measure(
    samples: list[Sample], engines: tuple[Engine, ...]
) -> tuple[dict[tuple[Engine, Symbology, str], Cell], dict[str, list[float]]]:
    """Decode every degraded frame with every engine; return accuracy cells and timings."""
    cells: dict[tuple[Engine, Symbology, str], Cell] = {}
    timings: dict[str, list[float]] = {"baseline": [], **{e.value: [] for e in engines}}
    for name, sample, frame in degraded(samples):
        started = time.perf_counter()
        frame.convert("L")
        timings["baseline"].append(time.perf_counter() - started)
        for engine in engines:
            started = time.perf_counter()
            found = decode_image(frame, engine)
            timings[engine.value].append(time.perf_counter() - started)
            cell = cells.setdefault((engine, sample.symbology, name), Cell())
            cell.total += 1
            texts = [d.text for d in found]
            if sample.expected in texts:
                cell.reads += 1
            elif texts:
                cell.misreads += 1
    return cells, timings


def accuracy(cells: dict[tuple[Engine, Symbology, str], Cell], engine: Engine) -> float:
    reads = sum(c.reads for (e, _, _), c in cells.items() if e is engine)
    total = sum(c.total for (e, _, _), c in cells.items() if e is engine)
    return reads / total if total else 0.0


def report(
    cells: dict[tuple[Engine, Symbology, str], Cell],
    timings: dict[str, list[float]],
    engines: tuple[Engine, ...],
) -> str:
    lines = []
    columns = list(DEGRADATIONS)
    head = f"{'engine':<7} {'symbology':<11}" + "".join(f"{c:>11}" for c in columns)
    lines += ["Decode accuracy (reads / images; misreads in brackets when any)", head]
    lines.append("-" * len(head))
    for engine in engines:
        for symbology in SYMBOLOGIES:
            row = f"{engine.value:<7} {symbology.value:<11}"
            for column in columns:
                cell = cells[(engine, symbology, column)]
                text = f"{cell.reads}/{cell.total}"
                if cell.misreads:
                    text += f"({cell.misreads})"
                row += f"{text:>11}"
            lines.append(row)
        lines.append(f"{engine.value:<7} {'ALL':<11}{accuracy(cells, engine):>11.1%}")
    baseline = statistics.median(timings["baseline"])
    lines += ["", "Median time per frame (ms) and ratio to the grayscale-conversion baseline"]
    lines.append(f"{'baseline':<10}{baseline * 1000:>9.3f} ms   1.0x")
    for engine in engines:
        median = statistics.median(timings[engine.value])
        lines.append(f"{engine.value:<10}{median * 1000:>9.3f} ms {median / baseline:>6.1f}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-symbology", type=int, default=8, help="codes per symbology")
    args = parser.parse_args(argv)
    engines = available_engines()
    if Engine.PYZBAR not in engines:
        print("note: pyzbar is unavailable here (install libzbar0); measuring zxing-cpp only")
    samples = make_samples(args.per_symbology)
    frames = len(samples) * len(DEGRADATIONS)
    print(f"{len(samples)} codes x {len(DEGRADATIONS)} degradations = {frames} frames per engine")
    cells, timings = measure(samples, engines)
    print(report(cells, timings, engines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
