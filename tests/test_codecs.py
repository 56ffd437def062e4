import numpy as np
import pytest

from lic_lab.data import to_uint8
from lic_lab.evaluation.codecs import CODECS, find_setting


@pytest.mark.parametrize("name", ["jpeg", "jpeg2000", "webp", "avif"])
def test_codec_roundtrip_and_monotone_rate(name, photo):
    image = to_uint8(photo)[:128, :192]
    codec = CODECS[name]
    sizes = [len(codec.encode(image, s)) for s in (codec.sweep[1], codec.sweep[-2])]
    assert sizes[0] < sizes[1]
    decoded = codec.decode(codec.encode(image, codec.sweep[3]))
    assert decoded.shape == image.shape and decoded.dtype == np.uint8
    assert np.abs(decoded.astype(int) - image).mean() < 20


@pytest.mark.parametrize("name", ["jpeg", "webp", "jpeg2000"])
def test_find_setting_hits_target(name, photo):
    image = to_uint8(photo)
    setting, data = find_setting(name, image, 0.8)
    bpp = 8 * len(data) / (image.shape[0] * image.shape[1])
    assert 0.5 < bpp <= 0.8


@pytest.mark.parametrize("name", ["jpeg", "jpeg2000", "webp", "avif"])
def test_shipped_kodak_codec_results_reproduce(name):
    """The stored Kodak RD points (data/results) are what this code measures now."""
    from lic_lab import REPO_DIR
    from lic_lab.data import have_kodak, kodak_dir, read_image
    from lic_lab.evaluation.evaluate import evaluate_codec_image, load_results

    if not have_kodak():
        pytest.skip("Kodak not under the data root")
    entry = load_results(REPO_DIR / "data" / "results" / f"kodak_{name}.json")[3]
    stored = entry["images"][0]
    fresh = evaluate_codec_image(name, read_image(kodak_dir() / stored["image"]), entry["setting"])
    assert abs(fresh["bytes"] - stored["bytes"]) <= 0.01 * stored["bytes"]
    assert fresh["psnr"] == pytest.approx(stored["psnr"], abs=0.05)
