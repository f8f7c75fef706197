"""The HTML report reads on a phone: headless Chromium lays it out at 390 px and 1400 px.

At 390 px nothing may stick out past the right edge of the screen (a table may scroll inside its own
box, that is what the box is for), and a click on a figure shows it at its natural size without any
JavaScript in the report (a CSS ``:target`` overlay). Screenshots at both widths are written next to
the report. Skipped when no Chromium is installed (``.ci/run`` installs it).

Headless Chromium will not make a window narrower than 500 px, so the report is laid out inside an
iframe of the wanted width: the iframe is the phone's screen (its media queries, ``innerWidth`` and
overflow are the report's own). A copy of the report with a measuring ``<script>`` appended posts what
it measured to the page around it, which writes it into its DOM for ``--dump-dom``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import FIGURES_TINY

from virality import report
from virality.experiment import run_experiment

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary: the report layout test needs one "
                                                            "(apt-get install chromium)")
PHONE, DESKTOP = 390, 1400
NARROWEST = 360  # the narrowest phone the report is made for

TINY = FIGURES_TINY  # the tiny experiment of tests/test_plots.py
# ... with a long path in the description and a long strategy name: words wider than a phone's screen
LONG = "nano_influencers_one_in_every_community_paid_per_post"
PATH = f"/home/someone/experiments/influencer_marketing/{LONG}/configs/tiny.toml"
PHONE_TINY = TINY.replace('check"', f'check, from {PATH}"').replace('name = "nano"', f'name = "{LONG}"')

#: appended to a copy of the report: measures, then posts the result to the page around the iframe
PROBE = """<script>
window.addEventListener("load", function () {
  var height = document.documentElement.scrollHeight;  // as it opens, for the screenshot
  document.querySelectorAll("details").forEach(function (d) { d.open = true; });  // the config, the manifest
  var w = window.innerWidth, bad = [];
  function scrolls(el) {  // inside a box that scrolls (or clips) its own overflow: intended
    for (var p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      var o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") return true;
    }
    return false;
  }
  document.querySelectorAll("main *").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 1 && !scrolls(el))
      bad.push({tag: el.tagName.toLowerCase(), cls: String(el.className), right: Math.round(r.right),
                text: (el.textContent || "").slice(0, 60)});
  });
  var figs = [];
  document.querySelectorAll("main figure").forEach(function (f) {
    var img = f.querySelector("img"), a = img && img.closest("a");
    figs.push({id: f.id, width: Math.round(img.getBoundingClientRect().width), natural: img.naturalWidth,
               column: Math.round(f.getBoundingClientRect().width),
               href: a ? a.getAttribute("href") : null});
  });
  var zoom = null, first = figs[0];
  if (first && first.href && first.href.charAt(0) === "#") {  // open the first figure full size
    location.hash = first.href;
    var f = document.getElementById(first.id), img = f.querySelector("img"), r = f.getBoundingClientRect();
    zoom = {position: getComputedStyle(f).position, left: Math.round(r.left), right: Math.round(r.right),
            top: Math.round(r.top), bottom: Math.round(r.bottom), img: Math.round(img.getBoundingClientRect().width),
            scroll: f.scrollWidth, close: !!f.querySelector("a.close[href]")};
    location.hash = "";
  }
  parent.postMessage(JSON.stringify({inner: w, scrollWidth: document.documentElement.scrollWidth,
                                     height: height, bad: bad.slice(0, 20),
                                     nbad: bad.length, figures: figs, zoom: zoom}), "*");
});
</script>"""

FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
html,body{{margin:0;background:#444}}iframe{{border:0;display:block;width:{w}px;height:{h}px;background:#fff}}
</style></head><body><iframe src="{src}"></iframe><pre id="probe"></pre><script>
window.addEventListener("message", function (e) {{ document.getElementById("probe").textContent = e.data; }});
</script></body></html>"""


def _chromium(*args: str, timeout: float = 120) -> str:
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                               "--no-first-run", "--mute-audio", "--disable-dev-shm-usage",
                               f"--user-data-dir={profile}", "--virtual-time-budget=10000", *args],
                              capture_output=True, text=True, timeout=timeout, check=False)
    return done.stdout


def measure(page: Path, width: int, screenshot: Path | None = None) -> dict:
    """Lay ``page`` (an HTML report) out ``width`` px wide: what sticks out, the figures, the full-size view.

    With ``screenshot``, also a PNG of the whole page at that width (the strip right of ``width`` is grey
    where the window is wider than the page: Chromium's narrowest window is 500 px).
    """
    folder = page.parent
    probe = folder / f"{page.stem}.probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    frame = folder / f"{page.stem}.frame{width}.html"
    frame.write_text(FRAME.format(w=width, h=2000, src=probe.name), encoding="utf-8")
    dom = _chromium(f"--window-size={max(width, 500)},2000", "--dump-dom", frame.as_uri())
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.DOTALL)
    assert found and found.group(1), f"the probe did not report back at {width} px:\n{dom[-2000:]}"
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
                        .replace("&amp;", "&"))
    if screenshot is not None:
        height = min(int(result["height"]), 16000)
        frame.write_text(FRAME.format(w=width, h=height, src=page.name), encoding="utf-8")
        _chromium(f"--window-size={max(width, 500)},{height}", f"--screenshot={screenshot}", frame.as_uri())
    return result


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("phone")
    cfg = folder / "tiny.toml"
    cfg.write_text(PHONE_TINY)
    assert LONG in PHONE_TINY and "/home/someone" in PHONE_TINY
    results = run_experiment(cfg, out=folder / "results", quiet=True, log=lambda msg: None)
    return report.write_report(results)


@pytest.mark.parametrize("width", [NARROWEST, PHONE, DESKTOP])
def test_report_fits_the_screen_and_figures_open_full_size(page, width):
    shot = page.parent / f"report-{width}.png"
    m = measure(page, width, shot)
    assert m["inner"] == width
    assert m["scrollWidth"] <= width, f"the page scrolls sideways at {width} px"
    assert m["nbad"] == 0, f"{m['nbad']} elements stick out past {width} px: {m['bad']}"
    # screenshots: PNG, the whole page, not blank
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    w, h = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert w >= width and h >= min(m["height"], 16000) > 1000
    # every figure as wide as the text column allows, and a link to itself at natural size
    assert len(m["figures"]) >= 5
    for f in m["figures"]:
        assert f["href"] and f["href"].startswith("#"), f
        assert f["width"] >= min(f["natural"], f["column"]) - 2, f  # fills the column ...
        if width < 640:
            assert f["column"] >= width - 40, f  # ... which on a phone is nearly the whole screen
    z = m["zoom"]
    assert z is not None and z["position"] == "fixed" and z["close"]
    assert z["left"] == 0 and z["top"] == 0 and z["right"] == width  # covers the screen, not wider
    assert z["img"] == m["figures"][0]["natural"]  # the picture at its natural size
    if z["img"] > width:
        assert z["scroll"] > width  # ... scrolled sideways inside the overlay


def test_report_html_has_no_script_and_one_copy_of_each_figure(page):
    text = page.read_text()
    assert "<script" not in text and LONG in text
    assert text.count("data:image/png;base64,") == text.count("<figure")  # full size without a second copy
    for fid in re.findall(r'<figure id="([^"]+)"', text):
        assert f'href="#{fid}"' in text or f'href="#full-{fid[4:]}"' in text
