"""Drawing: network and learning-curve SVGs parse and show what they claim, the terminal table, APNG files."""

import re
import struct
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pytest
from rich.console import Console

from pendulum_zoo.drawing import (
    circuit,
    encode_apng,
    encode_png,
    learning_curve_svg,
    network_renderable,
    network_svg,
    write_apng,
    write_learning_curve_svg,
    write_network_svg,
)
from pendulum_zoo.drawing.apng import frame_delay
from pendulum_zoo.networks.policy import INPUT_NAMES, NUM_PARAMS, effective_connections

SVG = "{http://www.w3.org/2000/svg}"
X, X_DOT, COS = 0, 1, 2


def weight(i: int, j: int) -> int:
    """Flat index of the input i -> hidden j weight."""
    return i * 32 + j


def out(j: int) -> int:
    return 160 + j


def circuit_mask() -> np.ndarray:
    """x -> h3, cos(theta) -> h3, h3 -> action, plus x_dot -> h7 that leads nowhere."""
    params = np.zeros(NUM_PARAMS)
    params[[weight(X, 3), weight(COS, 3), out(3), weight(X_DOT, 7)]] = 1.0
    return params


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def elements(svg: str, tag: str, *wanted: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [e for e in root.iter(SVG + tag) if set(wanted) <= classes(e)]


def render(renderable) -> str:
    console = Console(record=True, width=80, color_system=None)
    console.print(renderable)
    return console.export_text()


# --- network SVG --------------------------------------------------------------------------------------------

def test_network_svg_marks_the_effective_circuit():
    svg = network_svg(circuit_mask())
    assert ET.fromstring(svg).tag == SVG + "svg"
    assert len(elements(svg, "line", "connection")) == 4
    effective = elements(svg, "line", "connection", "effective")
    assert sorted((e.get("data-from"), e.get("data-to")) for e in effective) == [
        ("cos(theta)", "h3"), ("h3", "action"), ("x", "h3")]
    dangling = elements(svg, "line", "connection", "unused")
    assert [(e.get("data-from"), e.get("data-to")) for e in dangling] == [("x_dot", "h7")]
    assert dangling[0].get("stroke-dasharray")
    # greyed: 31 hidden units and the inputs x_dot, sin(theta), theta_dot
    assert len(elements(svg, "circle", "node", "unused")) == 31 + 3
    used = {e.get("data-name") for e in elements(svg, "circle", "node", "used")}
    assert used == {"input x", "input cos(theta)", "hidden h3", "output action"}
    caption = elements(svg, "text", "caption")[0]
    assert (caption.get("data-connections"), caption.get("data-effective"), caption.get("data-hidden-used")) == (
        "4", "3", "1")
    assert "4 connections, 3 effective, 1/32 hidden units used" in caption.text


def test_network_svg_counts_agree_with_the_policy_module():
    rng = np.random.default_rng(0)
    for density in (0.02, 0.05, 0.1, 0.3):
        for _ in range(5):
            mask = (rng.random(NUM_PARAMS) < density).astype(np.float64)
            svg = network_svg(mask)
            assert len(elements(svg, "line", "connection")) == np.count_nonzero(mask)
            assert len(elements(svg, "line", "connection", "effective")) == effective_connections(mask)[0]
            assert circuit(mask).effective == effective_connections(mask)[0]


def test_real_weights_are_coloured_by_sign_and_sized_by_magnitude():
    rng = np.random.default_rng(1)
    params = rng.normal(size=NUM_PARAMS)
    params[weight(0, 0)] = 5.0  # the largest |w|
    svg = network_svg(params)
    lines = elements(svg, "line", "connection", "effective")
    assert len(lines) == NUM_PARAMS
    strokes = {float(e.get("data-weight")) > 0: set() for e in lines}
    for e in lines:
        strokes[float(e.get("data-weight")) > 0].add(e.get("stroke"))
    assert strokes[True] == {"#2166ac"} and strokes[False] == {"#c0392b"}
    widest = max(lines, key=lambda e: float(e.get("stroke-width")))
    assert widest.get("data-weight") == "5" and float(widest.get("stroke-width")) == pytest.approx(3.0)

    params[weight(1, 4)] = 0.0  # a missing connection is not drawn
    assert len(elements(network_svg(params), "line", "connection")) == NUM_PARAMS - 1


def test_network_svg_escapes_the_title_and_is_deterministic():
    title = '<script>alert("hi")</script> & co'
    svg = network_svg(circuit_mask(), title=title)
    assert "<script>" not in svg
    assert elements(svg, "text", "title")[0].text == title
    assert svg == network_svg(circuit_mask().copy(), title=title)
    assert svg == network_svg(circuit_mask()[None, :], title=title)
    # a control character would make the XML unreadable: it is replaced
    ET.fromstring(network_svg(circuit_mask(), title="bad\x01title"))


def test_network_svg_refuses_bad_parameters():
    with pytest.raises(ValueError, match="shape"):
        network_svg(np.zeros(191))
    with pytest.raises(ValueError, match="one policy"):
        network_svg(np.zeros((2, NUM_PARAMS)))
    with pytest.raises(ValueError, match="finite"):
        network_svg(np.full(NUM_PARAMS, np.nan))


def test_write_network_svg(tmp_path):
    path = tmp_path / "figures" / "champion.svg"
    write_network_svg(path, circuit_mask(), title="champion")
    assert path.read_text(encoding="utf-8") == network_svg(circuit_mask(), title="champion")


# --- terminal table -----------------------------------------------------------------------------------------

def test_text_lists_used_hidden_units_and_their_inputs():
    text = render(network_renderable(circuit_mask(), title="[bold]mk1 champion"))
    assert "[bold]mk1 champion" in text  # a title is not read as markup
    rows = [line for line in text.splitlines() if re.match(r"\s*h\d+\s", line)]
    assert len(rows) == 1
    assert rows[0].split()[0] == "h3"
    assert "x, cos(theta)" in rows[0] and "x_dot" not in rows[0]
    assert "4 connections, 3 effective" in text
    assert "31 of 32 hidden units unused" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_text_shows_dense_weights_compactly():
    rng = np.random.default_rng(2)
    params = rng.normal(size=NUM_PARAMS)
    text = render(network_renderable(params))
    rows = [line.split() for line in text.splitlines() if re.match(r"\s*h\d+\s", line)]
    assert [row[0] for row in rows] == [f"h{j}" for j in range(32)]
    h5 = rows[5]
    expected = [f"{params[weight(i, 5)]:+.2f}" for i in range(5)] + [f"{params[out(5)]:+.2f}"]
    assert h5[1:] == expected
    assert "192 connections, 192 effective" in text
    assert all(name in text for name in INPUT_NAMES)
    assert max(len(line) for line in text.splitlines()) <= 80


def test_text_of_a_network_without_a_path():
    params = np.zeros(NUM_PARAMS)
    params[weight(X, 0)] = 1.0
    assert "no hidden unit" in render(network_renderable(params))


# --- learning curve -----------------------------------------------------------------------------------------

def log(generations: int) -> list[dict]:
    return [{"generation": g, "env_steps": (g + 1) * 2_000_000, "best_fitness": 100.0 + 8 * g,
             "elite_fitness_mean": 90.0 + 7 * g, "population_fitness_mean": 20.0 + 5 * g,
             "best_connections": 192 - g, "population_connections_mean": 190.0 - 0.5 * g}
            for g in range(generations)]


SERIES = {"best_fitness", "elite_fitness_mean", "population_fitness_mean", "best_connections",
          "population_connections_mean"}


def test_learning_curve_draws_every_series_and_the_threshold():
    svg = learning_curve_svg(log(100), title="mk2 <swing-up>", threshold=880)
    assert "<swing-up>" not in svg
    lines = elements(svg, "polyline", "series")
    assert {e.get("data-series") for e in lines} == SERIES and len(lines) == len(SERIES)
    assert all(len(e.get("points").split()) == 100 for e in lines)
    threshold = elements(svg, "line", "threshold")
    assert len(threshold) == 1 and threshold[0].get("data-value") == "880"
    ticks = [e.text for e in elements(svg, "text", "tick")]
    assert "1e8" in ticks and "2e8" in ticks  # env steps up to 2e8 read as powers of ten
    assert svg == learning_curve_svg(log(100), title="mk2 <swing-up>", threshold=880)

    assert not elements(learning_curve_svg(log(100)), "line", "threshold")


def test_learning_curve_with_one_record_or_gaps():
    svg = learning_curve_svg(log(1), threshold=999.5)
    assert {e.get("data-series") for e in elements(svg, "polyline", "series")} == SERIES
    assert len(elements(svg, "circle", "marker")) == len(SERIES)  # a lone point stays visible

    records = log(10)
    records[3]["elite_fitness_mean"] = None
    del records[4]["elite_fitness_mean"]
    for record in records:
        del record["best_connections"], record["population_connections_mean"]
    svg = learning_curve_svg(records)
    lines = {e.get("data-series"): e for e in elements(svg, "polyline", "series")}
    assert set(lines) == {"best_fitness", "elite_fitness_mean", "population_fitness_mean"}
    assert len(lines["elite_fitness_mean"].get("points").split()) == 8

    # no env_steps: the x axis falls back to generations
    svg = learning_curve_svg([{"generation": 0, "best_fitness": 3.5}])
    assert "generation" in svg and len(elements(svg, "polyline", "series")) == 1


def test_learning_curve_refuses_bad_input():
    with pytest.raises(ValueError, match="non-empty"):
        learning_curve_svg([])
    with pytest.raises(ValueError, match="record 1"):
        learning_curve_svg([log(1)[0], "generation 1"])
    with pytest.raises(TypeError, match="best_fitness must be a number"):  # a wrong type is a TypeError
        learning_curve_svg([{"env_steps": 1, "best_fitness": "high"}])
    with pytest.raises(ValueError, match="threshold"):
        learning_curve_svg(log(2), threshold=float("inf"))


def test_write_learning_curve_svg(tmp_path):
    path = tmp_path / "curve.svg"
    write_learning_curve_svg(path, log(5), title="run", threshold=880)
    assert path.read_text(encoding="utf-8") == learning_curve_svg(log(5), title="run", threshold=880)


# --- APNG ---------------------------------------------------------------------------------------------------

def read_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, position = [], 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind}"
        chunks.append((kind, body))
        position += 12 + length
    assert position == len(data) and chunks[-1] == (b"IEND", b"")
    return chunks


def paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def unfilter(data: bytes, width: int, height: int, filters_seen: set) -> np.ndarray:
    """PNG scanlines (RGB, 8 bits) back to pixels; every filter type of the spec, byte by byte."""
    stride, bpp = width * 3, 3
    raw = zlib.decompress(data)
    assert len(raw) == height * (stride + 1)
    previous = [0] * stride
    rows = []
    for y in range(height):
        kind, line = raw[y * (stride + 1)], list(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        filters_seen.add(kind)
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up_left = previous[x - bpp] if x >= bpp else 0
            predictor = [0, left, previous[x], (left + previous[x]) // 2, paeth(left, previous[x], up_left)][kind]
            line[x] = (line[x] + predictor) % 256
        rows.append(line)
        previous = line
    return np.array(rows, dtype=np.uint8).reshape(height, width, 3)


def decode_apng(data: bytes, filters_seen: set) -> dict:
    chunks = read_chunks(data)
    assert chunks[0][0] == b"IHDR"
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, compression, filtering, interlace) == (8, 2, 0, 0, 0)
    result = {"frames": [], "sequence": [], "delays": [], "acTL": None}
    for kind, body in chunks[1:-1]:
        if kind == b"acTL":
            result["acTL"] = struct.unpack(">II", body)
        elif kind == b"fcTL":
            sequence, w, h, x, y, num, den, _dispose, _blend = struct.unpack(">IIIIIHHBB", body)
            assert (w, h, x, y) == (width, height, 0, 0)
            result["sequence"].append(sequence)
            result["delays"].append((num, den))
        elif kind == b"IDAT":
            assert not result["frames"], "IDAT belongs to the first frame only"
            result["frames"].append(unfilter(body, width, height, filters_seen))
        elif kind == b"fdAT":
            result["sequence"].append(struct.unpack(">I", body[:4])[0])
            result["frames"].append(unfilter(body[4:], width, height, filters_seen))
        else:
            raise AssertionError(f"unexpected chunk {kind}")
    return result


def sample_frames() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 256, size=(9, 13, 3), dtype=np.uint8)
    ramp = np.broadcast_to((np.arange(13, dtype=np.uint8) * 19)[None, :, None], (9, 13, 3)).copy()
    stripes = np.broadcast_to((np.arange(9, dtype=np.uint8) * 31)[:, None, None], (9, 13, 3)).copy()
    return [noise, ramp, stripes, 255 - noise]


def test_apng_decodes_to_the_frames():
    frames = sample_frames()
    filters_seen: set = set()
    decoded = decode_apng(encode_apng(frames, fps=30, loops=2), filters_seen)
    assert decoded["acTL"] == (4, 2)
    assert decoded["sequence"] == list(range(7))  # fcTL 0, fcTL 1, fdAT 2, fcTL 3, ...
    assert decoded["delays"] == [(1, 30)] * 4
    assert len(decoded["frames"]) == 4
    for got, expected in zip(decoded["frames"], frames, strict=True):
        assert np.array_equal(got, expected)
    assert {1, 2} <= filters_seen  # the ramp and the stripes pick Sub and Up

    stacked = encode_apng(np.stack(frames), fps=60.6)
    assert decode_apng(stacked, set())["delays"] == [(17, 1000)] * 4


def test_single_frame_apng_and_still_png():
    frame = sample_frames()[0]
    decoded = decode_apng(encode_apng([frame]), set())
    assert decoded["acTL"] == (1, 0) and decoded["sequence"] == [0]
    assert np.array_equal(decoded["frames"][0], frame)

    png = encode_png(frame[:, ::-1])  # a non-contiguous view
    assert [kind for kind, _ in read_chunks(png)] == [b"IHDR", b"IDAT", b"IEND"]
    assert np.array_equal(decode_apng(png, set())["frames"][0], frame[:, ::-1])


def test_write_apng(tmp_path):
    path = tmp_path / "clips" / "champion.png"
    write_apng(path, sample_frames(), fps=25)
    assert path.read_bytes() == encode_apng(sample_frames(), fps=25)


def test_frame_delay():
    assert frame_delay(30) == (1, 30)
    assert frame_delay(60.6) == (17, 1000)
    assert frame_delay(0.5) == (2000, 1000)


@pytest.mark.parametrize("frames, kwargs, message", [
    ([], {}, "empty"),
    (np.zeros((0, 4, 4, 3), np.uint8), {}, "empty"),
    (np.zeros((4, 4, 3), np.uint8), {}, r"\(N, H, W, 3\)"),
    ([np.zeros((4, 4, 3))], {}, "uint8"),
    ([np.zeros((4, 4), np.uint8)], {}, r"\(H, W, 3\)"),
    ([np.zeros((4, 4, 4), np.uint8)], {}, r"\(H, W, 3\)"),
    ([np.zeros((0, 4, 3), np.uint8)], {}, "1x1"),
    ([np.zeros((4, 4, 3), np.uint8), np.zeros((4, 5, 3), np.uint8)], {}, "same shape"),
    ([[[[0, 0, 0]]]], {}, "numpy array"),
    ([np.zeros((4, 4, 3), np.uint8)], {"fps": 0}, "fps"),
    ([np.zeros((4, 4, 3), np.uint8)], {"fps": -5}, "fps"),
    ([np.zeros((4, 4, 3), np.uint8)], {"fps": float("nan")}, "fps"),
    ([np.zeros((4, 4, 3), np.uint8)], {"fps": 1e6 + 0.5}, "fps"),
    ([np.zeros((4, 4, 3), np.uint8)], {"loops": -1}, "loops"),
])
def test_apng_refuses_bad_input(frames, kwargs, message):
    with pytest.raises(ValueError, match=message):
        encode_apng(frames, **kwargs)


def test_png_refuses_bad_frames():
    with pytest.raises(ValueError, match="uint8"):
        encode_png(np.zeros((2, 2, 3), np.float32))
