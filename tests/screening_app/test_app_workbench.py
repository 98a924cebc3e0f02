"""The screening workbench's everyday comforts through streamlit.testing: no preselected final
decision, times in the reviewer's own time zone, messages beside the buttons (not over the
criteria), the full-text list after a PDF is attached."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from test_app import MINIMAL_PDF, open_conflicts, page_text, screen_all, sign_in, store_votes, vote

import review.screening as rules
from review.store import open_store


def conflicts_page(project, tz: str | None = None):
    screen_all(project.tokens["alice"], "include")
    screen_all(project.tokens["bob"], "exclude")
    lead = sign_in(project.tokens["carol"])
    if tz:
        lead.context["timezone"] = tz
    lead.switch_page("views/conflicts.py").run()
    assert not lead.exception, lead.exception
    return lead


def test_no_final_decision_is_preselected_and_none_chosen_is_refused(app_project):
    lead = conflicts_page(app_project)
    items, _ = open_conflicts(app_project)
    rid = items[0].record_id
    radio = lead.radio(key=f"decision-title_abstract-{rid}")
    assert radio.value is None and radio.index is None
    lead.button(key=f"FormSubmitter:resolve-title_abstract-{rid}-Record final decision").click().run()
    assert any("no decision chosen: choose include or exclude" in e.value for e in lead.error)
    _, finals = open_conflicts(app_project)
    assert rid not in finals  # nothing recorded
    assert "8 open conflict(s)" in page_text(lead)


def test_vote_times_are_shown_in_the_browsers_time_zone(app_project):
    lead = conflicts_page(app_project, tz="Asia/Kolkata")
    items, _ = open_conflicts(app_project)
    vote_ = items[0].votes[0]
    local = datetime.fromisoformat(vote_.at).astimezone(ZoneInfo("Asia/Kolkata")).strftime("%Y-%m-%d %H:%M")
    text = page_text(lead)
    assert f"{local} (Asia/Kolkata)" in text
    assert vote_.at not in text  # the raw UTC stamp is not shown


def test_a_vote_is_confirmed_beside_the_buttons_not_in_a_toast(app_project):
    at = sign_in(app_project.tokens["alice"])
    rid = vote(at, "include")
    assert not at.toast
    card = next(col for col in at.columns if any(b.label == "Include" for b in col.button))
    notices = [c.value for c in card.caption if c.value.startswith(":material/check_circle: Include\\:")]
    assert len(notices) == 1 and f"\\#{rid} " in notices[0]
    # the criteria panel is the other column, and holds no message
    side = next(col for col in at.columns if "Criteria version" in "".join(h.proto.body for h in col.get("html")))
    assert not [c for c in side.caption if "Include" in c.value]
    # undo says so in the same place
    at.button(key="undo-title_abstract").click().run()
    card = next(col for col in at.columns if any(b.label == "Include" for b in col.button))
    assert [c.value for c in card.caption if "Undid" in c.value] == [
        f":material/info: Undid your include vote on record \\#{rid}\\."]
    assert rid not in store_votes(app_project, "alice")


def test_the_full_text_list_shows_a_pdf_as_soon_as_it_is_attached(app_project):
    screen_all(app_project.tokens["alice"], "include")
    ids = screen_all(app_project.tokens["bob"], "include")
    at = sign_in(app_project.tokens["alice"])
    at.switch_page("views/fulltext.py").run()
    second = sorted(ids)[1]
    at.selectbox(key="fulltext-record").select(second).run()
    at.file_uploader(key=f"pdf-upload-{second}-0").upload("paper.pdf", MINIMAL_PDF, "application/pdf")
    at.run()
    at.button(key=f"attach-pdf-{second}").click().run()
    assert not at.exception, at.exception
    box = at.selectbox(key="fulltext-record")
    assert box.value == second  # still on the record just attached
    labels = dict(zip(sorted(ids), box.options))
    assert labels[second].startswith("[PDF] ") and labels[sorted(ids)[0]].startswith("[missing] ")
    assert {m.label: m.value for m in at.metric}["PDF"] == "1"
    assert any(c.value.startswith(":material/check_circle: PDF stored as ") for c in at.caption)
    assert not at.toast
    engine = open_store(app_project.database_url)
    with engine.connect() as conn:
        assert rules.fulltext_of(conn, second).kind == "pdf"
    engine.dispose()
