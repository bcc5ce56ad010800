"""The HTML report in a real headless Chromium: every section and figure visible, no console
error, no network request, no script from the data, a non-blank screenshot.

Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian packages ``chromium`` and
``chromium-driver``). Without them the tests skip, unless M2M_REQUIRE_TEST_TOOLS=1 (set by
``make test``), in which case they fail with the install hint.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

from mine2magnet.report.document import Figure, Report, Section, Table, Text, svg_from_matplotlib
from mine2magnet.report.html import render_html

EVIL = "<script>alert(1)</script>"
CHROMIUM = os.environ.get("M2M_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("M2M_CHROMEDRIVER", "/usr/bin/chromedriver")
INSTALL_HINT = (
    "headless browser test needs chromium and chromedriver: "
    "sudo apt-get install chromium chromium-driver (or run `make test-tools`)"
)
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,2000",
    # WebGL for the plotly 3-D view through SwiftShader (software): content is local.
    "--enable-unsafe-swiftshader",
)


def _tools_or_skip() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (Path(p).is_file() or shutil.which(p))]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e .[dev])")
    if not missing:
        return
    message = f"missing {', '.join(missing)}; {INSTALL_HINT}"
    if os.environ.get("M2M_REQUIRE_TEST_TOOLS") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def driver():
    _tools_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="m2m-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


# ------------------------------------------------------------------------ helpers
def _svg(title: str) -> str:
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [1, 3, 2])
    ax.set_title(title)
    return svg_from_matplotlib(fig)


def make_report() -> Report:
    """Hand-made report with a malicious hole id in every kind of text it can reach."""
    view3d = {
        "data": [
            {
                "type": "scatter3d",
                "x": [0, 10, 20],
                "y": [0, 5, 0],
                "z": [0, -10, -20],
                "mode": "lines+markers",
                "name": EVIL,
                "text": [EVIL] * 3,
                "hovertext": [EVIL] * 3,
            },
            {
                "type": "mesh3d",
                "x": [0, 10, 0, 0],
                "y": [0, 0, 10, 0],
                "z": [0, 0, 0, -10],
                "i": [0, 0, 0, 1],
                "j": [1, 2, 3, 2],
                "k": [2, 3, 1, 3],
                "intensity": [1, 2, 3, 4],
                "name": "blocks",
            },
        ],
        "layout": {"title": {"text": f"Blocks and {EVIL}"}, "height": 500},
    }
    holes = pd.DataFrame({"hole_id": ["DH001", EVIL], "eoh_m": [120.5, 98.0]})
    return Report(
        title=f"Browser test {EVIL}",
        subtitle="SYNTHETIC",
        synthetic=True,
        sections=(
            Section(
                "summary",
                "Summary",
                (Text((f"Hole {EVIL} is listed.",)), Table("tab-holes", f"Holes {EVIL}", holes)),
                children=(
                    Section(
                        "summary-plot", "A plot", (Figure("fig-a", f"Hole {EVIL}", _svg(EVIL)),)
                    ),
                ),
            ),
            Section(
                "view-3d", "3-D", (Figure("fig-3d", f"3-D {EVIL}", _svg("static"), plotly=view3d),)
            ),
            Section("provenance", "Provenance", (Text(("x = 1",), "code"),)),
        ),
        generated_utc="2026-01-01T00:00:00Z",
        software_version="0.1.0",
    )


def _open(driver, path: Path, n_plotly: int, timeout_s: float = 60.0) -> None:
    driver.get("about:blank")  # leave the browser's own new-tab page first
    driver.get_log("performance")  # and drop what it did
    driver.get_log("browser")
    driver.get(path.resolve().as_uri())
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = driver.execute_script(
            "return [document.readyState, document.querySelectorAll('figure.plotly-ready').length,"
            " document.querySelectorAll('figure.plotly-failed').length]"
        )
        if state[0] == "complete" and (state[1] + state[2]) >= n_plotly:
            return
        time.sleep(0.2)
    pytest.fail(f"page did not finish drawing in {timeout_s} s: {state}")


def _requests(driver) -> list[str]:
    """URLs requested since the log was last read, except by the browser's own UI pages."""
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] != "Network.requestWillBeSent":
            continue
        if msg["params"].get("documentURL", "").startswith(("chrome://", "chrome-untrusted://")):
            continue  # the new-tab page finishing in the background, not the report
        urls.append(msg["params"]["request"]["url"])
    return urls


def _check_page(driver, html_path: Path, section_ids, figure_ids, n_plotly: int, shot: Path):
    """Every check of the brief on one opened page; returns the body text."""
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    _open(driver, html_path, n_plotly)
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - an alert would mean script from data ran
    for sid in section_ids:
        el = driver.find_element(By.ID, sid)
        assert el.is_displayed(), f"section {sid} hidden"
    for fid in figure_ids:
        el = driver.find_element(By.ID, fid)
        driver.execute_script("arguments[0].scrollIntoView()", el)
        assert el.is_displayed(), f"figure {fid} hidden"
        assert el.size["height"] > 50 and el.size["width"] > 50, f"figure {fid} is empty"
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
    fetched = _requests(driver)
    external = [u for u in fetched if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert external == [], external
    assert any(u.startswith("file:") for u in fetched), "the performance log works"
    plotly_divs = driver.find_elements(By.CSS_SELECTOR, "figure.has-plotly .plotly-target")
    assert len(plotly_divs) == n_plotly
    for div in plotly_divs:
        drawn = driver.execute_script(
            "return arguments[0].querySelectorAll('canvas, svg.main-svg').length", div
        )
        assert drawn > 0, "plotly drew nothing"
        assert "plotly-failed" not in div.find_element(By.XPATH, "..").get_attribute("class")
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(shot))
    _assert_not_blank(shot)
    return driver.find_element(By.TAG_NAME, "body").text


def _assert_not_blank(png: Path) -> None:
    from PIL import Image

    img = Image.open(io.BytesIO(png.read_bytes())).convert("RGB")
    assert img.size[0] >= 800 and img.size[1] >= 600
    colours = img.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, "screenshot is (nearly) one colour"
    r, g, b = img.getpixel((img.size[0] // 2, 5))
    assert r > 120 and g < 80 and b < 80, "the red SYNTHETIC banner is at the top"


# ------------------------------------------------------------------------ tests
def test_hand_made_report_in_chromium(driver, tmp_path):
    path = tmp_path / "report.html"
    path.write_text(render_html(make_report()), encoding="utf-8")
    text = _check_page(
        driver,
        path,
        ["synthetic-banner", "toc", "summary", "summary-plot", "view-3d", "provenance"],
        ["fig-a", "fig-3d", "tab-holes"],
        n_plotly=1,
        shot=tmp_path / "report.png",
    )
    assert f"Hole {EVIL} is listed." in text, "the malicious hole id shows as text"
    assert EVIL in text.split("Holes", 1)[1], "also inside the table"
    assert "SYNTHETIC" in text


def test_the_checks_catch_a_script_and_a_fetch(driver, tmp_path):
    """If escaping failed, the alert and the fetch would be seen: the checks can fail."""
    from selenium.common.exceptions import NoAlertPresentException

    bad = render_html(make_report()).replace(
        "</main>", '<img src="http://127.0.0.1:9/x.png"><script>alert("bug")</script></main>'
    )
    path = tmp_path / "bad.html"
    path.write_text(bad, encoding="utf-8")
    driver.get("about:blank")
    driver.get_log("performance")
    driver.get_log("browser")
    driver.get(path.resolve().as_uri())
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    # the page's script may run after get() returns on a busy machine: wait for it
    alert = WebDriverWait(driver, 30).until(expected_conditions.alert_is_present())
    assert alert.text == "bug"
    alert.accept()
    time.sleep(0.5)
    logs = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    fetched = [u for u in _requests(driver) if u.startswith("http:")]
    assert fetched or any("127.0.0.1:9" in m for m in logs), "the external image is noticed"
    assert any("Content Security Policy" in m for m in logs), "and refused by the CSP"
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018


# ------------------------------------------------------------------------ the demo, end to end
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The report of a copy of the shipped demo store, built once for the tests below."""
    from mine2magnet.config import load_project
    from mine2magnet.report import input_hashes, read_store_tables
    from mine2magnet.report.build import build_resource_report
    from mine2magnet.store import Store

    root = Path(__file__).resolve().parents[2] / "examples" / "demo"
    if not (root / "out" / "project.duckdb").is_file():
        pytest.skip("demo store absent: run `make demo`")
    tmp = tmp_path_factory.mktemp("demo")
    shutil.copy(root / "out" / "project.duckdb", tmp / "project.duckdb")
    project = load_project(root / "project.toml")
    with Store(tmp / "project.duckdb") as store:
        tables, runs = read_store_tables(store), store.runs()
    report = build_resource_report(
        tables,
        project.model_dump(mode="json"),
        software_version="test",
        runs=runs,
        input_hashes=input_hashes(project),
    )
    html = tmp / "mine2magnet_report.html"
    html.write_text(render_html(report), encoding="utf-8")
    return {"tables": tables, "report": report, "html": html, "dir": tmp}


def _all_text(report) -> str:
    def walk(sections):
        for s in sections:
            yield from s.blocks
            yield from walk(s.children)

    return "\n".join(p for b in walk(report.sections) if isinstance(b, Text) for p in b.paragraphs)


@pytest.mark.slow
def test_demo_report_draws_every_figure(demo):
    from mine2magnet.report.build import CHAPTER_IDS, LATER_CHAPTER_IDS, PLANNED_FIGURES

    report = demo["report"]
    ids = tuple(s.id for s in report.sections)
    assert tuple(i for i in ids if i in CHAPTER_IDS) == CHAPTER_IDS
    assert set(ids) - set(CHAPTER_IDS) <= set(LATER_CHAPTER_IDS)
    text = _all_text(report)
    assert "could not be drawn" not in text, text[text.find("could not be drawn") - 200 :][:600]
    written = []
    for module, func in PLANNED_FIGURES:
        try:
            __import__(f"mine2magnet.report.figures.{module}")
        except ModuleNotFoundError:
            continue
        written.append(func)
        assert f"figures.{module}.{func} is not installed" not in text
    if not written:
        pytest.skip("no figure module written yet")
    html = demo["html"].read_text(encoding="utf-8")
    assert html.count("<figure ") >= len(written)


@pytest.mark.slow
def test_demo_pdf_statement_matches_the_store(demo):
    """pdftotext of the PDF shows the statement numbers of the store, as the table does."""
    from mine2magnet.report.build import format_significant, statement_sig_figs
    from mine2magnet.report.document import Report
    from mine2magnet.report.pdf import render_pdf

    statement = demo["tables"].get("resources__statement")
    if statement is None:
        pytest.skip("the demo store has no resources stage yet")
    report = demo["report"]
    summary = Report(  # the statement chapter only: the figures are tested elsewhere
        report.title, report.subtitle, report.synthetic, report.sections[:1],
        report.generated_utc, report.software_version,
    )  # fmt: skip
    pdf = render_pdf(summary, demo["dir"] / "statement.pdf")
    text = _pdf_text(pdf)
    sig = statement_sig_figs(load_dump())
    rows = statement[statement["reporting"].astype(bool)]
    assert len(rows) >= 1
    for _, row in rows.iterrows():
        rule = sig["inferred" if row["class"] in ("Inferred", "Total") else "measured_indicated"]
        expected = [
            format_significant(row["tonnes"], rule["tonnes"]),
            format_significant(row["TREO_pct"], rule["grades"]),
            format_significant(row["TREO_t"], rule["contained"]),
        ]
        line = next((ln for ln in text.splitlines() if ln.strip().startswith(row["class"])), "")
        for value in expected:
            assert value in line, f"{row['class']}: {value} not in {line!r}"


def load_dump() -> dict:
    from mine2magnet.config import load_project

    root = Path(__file__).resolve().parents[2] / "examples" / "demo"
    return load_project(root / "project.toml").model_dump(mode="json")


def _pdf_text(path: Path) -> str:
    import subprocess

    if shutil.which("pdftotext"):
        cmd = ["pdftotext", "-layout", str(path), "-"]
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    if os.environ.get("M2M_REQUIRE_TEST_TOOLS") == "1":
        pytest.fail("pdftotext is missing: sudo apt-get install poppler-utils")
    from pypdf import PdfReader

    return "\n".join(p.extract_text(extraction_mode="layout") or "" for p in PdfReader(path).pages)


@pytest.mark.slow
def test_demo_report_in_chromium(driver, demo, tmp_path):
    """The demo report opens with every chapter and figure, no error and no request."""
    import re

    from mine2magnet.report.build import CHAPTER_IDS, LATER_CHAPTER_IDS

    html = demo["html"].read_text(encoding="utf-8")
    chapters = [c for c in (*CHAPTER_IDS, *LATER_CHAPTER_IDS) if f'id="{c}"' in html]
    assert set(CHAPTER_IDS) <= set(chapters)
    figure_ids = re.findall(r'<figure class="figure-block[^"]*" id="([^"]+)"', html)
    n_plotly = html.count('class="plotly-target"')
    text = _check_page(
        driver, demo["html"], tuple(chapters), figure_ids, n_plotly, tmp_path / "demo.png"
    )
    shutil.copy(tmp_path / "demo.png", demo["dir"] / "demo.png")
    assert "Provenance" in text and "JORC Table 1" in text
