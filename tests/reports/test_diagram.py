"""The PRISMA 2020 diagram: every box's number is in the SVG; PNG and PDF render."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from review.reporting.diagram import fmt, render_svg, smallest_font_pt, write_diagram
from review.reporting.prisma import FlowInputs, check_arithmetic, count_flow

from test_prisma_counts import draft_inputs, hand_inputs

SVG_NS = "{http://www.w3.org/2000/svg}"


def element_text(svg: str, element_id: str) -> str:
    """The text of the element with ``id`` (spaces collapsed); "" when there is none."""
    root = ET.fromstring(svg.encode("utf-8"))
    for el in root.iter():
        if el.get("id") == element_id:
            return " ".join(" ".join(t.text or "" for t in el.iter(f"{SVG_NS}text")).split())
    return ""


def box_texts(svg: str) -> dict[str, str]:
    root = ET.fromstring(svg.encode("utf-8"))
    out = {}
    for group in root.iter(f"{SVG_NS}g"):
        gid = group.get("id", "")
        if gid.startswith("box-"):
            out[gid[4:]] = " ".join(t.text or "" for t in group.iter(f"{SVG_NS}text"))
    return out


def test_every_box_number_is_in_its_box():
    counts = check_arithmetic(count_flow(hand_inputs()))
    svg = render_svg(counts)
    texts = box_texts(svg)
    numbers = counts.box_numbers()
    assert len(numbers) >= 20
    for name, n in numbers.items():
        box = name.split(":")[0]
        box = {"register_results": "database_results", "new_reports": "new_studies",
               "database": "database_results", "dbr_excluded": "dbr_excluded",
               "other": "other_results", "excluded_automatic": "duplicates",
               "excluded_other": "duplicates"}.get(box, box)
        assert box in texts, name
        label = name.split(":", 1)[1] if ":" in name else ""
        needle = f"(n = {fmt(n)})"
        assert needle in texts[box], (name, texts[box])
        if label and not name.startswith("other:"):
            assert f"{label} (n = {fmt(n)})" in re.sub(r"\s+", " ", texts[box]), (name, texts[box])
    # the hand-computed values, spelled out
    assert "Records screened (n = 9)" in texts["records_screened"]
    assert "Records excluded (n = 3)" in texts["records_excluded"]
    assert "(n = 2)" in texts["duplicates"]
    assert "Citation searching (n = 3)" in re.sub(r"\s+", " ", texts["other_results"])
    assert "Studies included in review (n = 3)" in re.sub(r"\s+", " ", texts["new_studies"])


def test_large_numbers_use_thousands_separator():
    left = list(range(1500))
    counts = check_arithmetic(count_flow(FlowInputs(
        databases={"MEDLINE": 1234, "Embase": 300}, duplicates_removed=34, left_ids=left,
        ta_finals={i: "exclude" for i in left})))
    texts = box_texts(render_svg(counts))
    assert "(n = 1,534)" in texts["database_results"]
    assert "(n = 1,500)" in texts["records_screened"]
    assert "other_results" not in texts  # no other-methods column without such records


def test_readable_at_a4():
    svg = render_svg(check_arithmetic(count_flow(hand_inputs())))
    width_mm = float(re.search(r'width="([\d.]+)mm"', svg).group(1))
    units = float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1))
    assert width_mm <= 190.0
    assert smallest_font_pt(units) >= 7.5


def test_png_and_pdf_render(tmp_path):
    svg = render_svg(check_arithmetic(count_flow(hand_inputs())), title="Hand-computed")
    png = write_diagram(svg, tmp_path / "flow.png", dpi=150)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png.read_bytes()[16:20], "big")
    assert width > 1000  # ~190 mm at 150 dpi
    pdf = write_diagram(svg, tmp_path / "flow.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    out = write_diagram(svg, tmp_path / "flow.svg")
    assert out.read_text(encoding="utf-8") == svg


def test_unknown_suffix_refused(tmp_path):
    with pytest.raises(ValueError, match=r"\.svg, \.png or \.pdf"):
        write_diagram("<svg/>", tmp_path / "flow.gif")


def test_reason_text_is_escaped():
    inputs = hand_inputs(ft_finals={**hand_inputs().ft_finals, 5: ("exclude", "Wrong <design> & type")})
    svg = render_svg(count_flow(inputs))
    ET.fromstring(svg.encode("utf-8"))  # well-formed
    assert "Wrong &lt;design&gt; &amp;" in svg


def test_draft_is_marked_and_draws_the_awaiting_boxes():
    counts = check_arithmetic(count_flow(draft_inputs()), draft=True)
    svg = render_svg(counts)
    texts = {k: re.sub(r"\s+", " ", v) for k, v in box_texts(svg).items()}
    assert "Records awaiting a title/abstract decision (n = 1)" in texts["records_pending"]
    assert "Reports awaiting a full-text decision (n = 1)" in texts["dbr_pending"]
    assert "Records awaiting a title/abstract decision (n = 1)" in texts["other_screening_pending"]
    assert "Reports awaiting a full-text decision (n = 1)" in texts["other_pending"]
    for name, n in counts.box_numbers().items():  # every number still in its box
        box = name.split(":")[0]
        box = {"new_reports": "new_studies", "database": "database_results", "other": "other_results"}.get(box, box)
        assert f"(n = {fmt(n)})" in texts[box], name
    banner = element_text(svg, "draft-banner")
    assert banner.startswith("DRAFT: screening is not finished. Not the final figure.")
    assert "1 record awaiting a title/abstract decision, 1 report awaiting a full-text decision" in banner
    assert element_text(svg, "draft-watermark") == "DRAFT"
    assert "<title>PRISMA 2020 flow diagram (DRAFT: screening not finished)</title>" in svg
    # an awaiting box sits under its step's exclusion box, not over it
    boxes = {g.get("id"): g.find(f"{SVG_NS}rect") for g in ET.fromstring(svg.encode()).iter(f"{SVG_NS}g")}
    excluded, pending = boxes["box-records_excluded"], boxes["box-records_pending"]
    assert float(pending.get("y")) >= float(excluded.get("y")) + float(excluded.get("height"))
    assert pending.get("stroke-dasharray")
    final = render_svg(check_arithmetic(count_flow(hand_inputs())))
    assert "DRAFT" not in final and "awaiting" not in final


def _red_pixels(png_path) -> int:
    from PIL import Image

    with Image.open(png_path) as image:
        data = image.convert("RGB").tobytes()
    return sum(1 for i in range(0, len(data), 3) if data[i] > 150 and data[i + 1] < 90 and data[i + 2] < 90)


def test_draft_png_carries_the_red_draft_marks(tmp_path):
    draft = write_diagram(render_svg(check_arithmetic(count_flow(draft_inputs()), draft=True)),
                          tmp_path / "draft.png", dpi=60)
    final = write_diagram(render_svg(check_arithmetic(count_flow(hand_inputs()))), tmp_path / "final.png", dpi=60)
    assert _red_pixels(final) == 0
    assert _red_pixels(draft) > 500
