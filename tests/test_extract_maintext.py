"""The body of pages without profile body selectors (crawler.extract.maintext)."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.extract import extract_article
from crawler.extract.maintext import teaser_kind, trim_teasers

NOW = datetime(2026, 12, 1, tzinfo=UTC)
PARA = "Dies ist ein Absatz des Artikels, lang genug, um als Text gelesen zu werden, und er geht weiter. "


def test_teaser_kinds() -> None:
    assert teaser_kind("Lesen Sie auch") == "end"
    assert teaser_kind("À lire aussi :") == "end"
    assert teaser_kind("관련기사") == "end"
    assert teaser_kind("Anzeige") == "line"
    teaser = "À lire aussi » Ballonnements, lourdeurs... Quel est votre profil digestif et comment y remédier ?"
    assert teaser_kind(teaser) == "teaser"
    assert teaser_kind("Read more: " + "a long linked title " * 5) == "teaser"
    # a sentence that merely holds the words is no teaser
    assert teaser_kind("The minister said: we will read more about this later, in a long sentence.") is None
    assert teaser_kind("Comments made by the minister were not recorded") is None
    assert teaser_kind("Read moreover") is None


def test_trim_cuts_an_end_section_but_only_drops_an_early_teaser_line() -> None:
    lines = ["Lead paragraph " * 5, "Read also", "Body paragraph " * 10, "Body again " * 10, "Related articles",
             "Some other story", "Yet another story"]
    assert trim_teasers(lines) == [lines[0], lines[2], lines[3]]
    assert trim_teasers(["Anzeige", PARA]) == [PARA]


def _page(article: str, extra: str = "") -> bytes:
    return (
        "<html><head><title>T</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>Ein Titel</h1>{article}</article>{extra}<footer>Impressum</footer></body></html>"
    ).encode()


def test_related_links_after_the_article_are_cut() -> None:
    article = "".join(f"<p>{PARA}{i}</p>" for i in range(6))
    related = "<h3>Das könnte Sie auch interessieren</h3><p>Ein anderer Artikel über etwas anderes</p>"
    body = extract_article(_page(article + related), "https://example.de/a/1", fetched_at=NOW).body_text
    assert PARA.strip() in body and "anderer Artikel" not in body


def test_a_data_table_is_kept_as_cells() -> None:
    table = "<table><tr><td>Zucker</td><td>200 g</td></tr><tr><td>Mehl</td><td>300 g</td></tr></table>"
    article = "".join(f"<p>{PARA}{i}</p>" for i in range(4)) + table
    body = extract_article(_page(article), "https://example.de/rezept/1", fetched_at=NOW).body_text
    assert "Zucker | 200 g" in body


def test_a_post_laid_out_in_a_table_keeps_its_paragraphs() -> None:
    cell = "<br>".join(f"{PARA}{i}" for i in range(4))
    page = f"<html><body><table><tr><td>{cell}</td></tr></table></body></html>".encode()
    body = extract_article(page, "https://board.example.kr/view/1", fetched_at=NOW).body_text
    assert body.split("\n")[0].startswith("Dies ist ein Absatz") and len(body.split("\n")) == 4


def test_the_shown_lead_is_restored() -> None:
    lead = "Die Kurzfassung des Artikels steht über dem Text, wie viele Zeitungen sie drucken."
    head = f'<meta name="description" content="{lead}">'
    article = f"<p class='lead'>{lead}</p><div class='content'>" + "".join(
        f"<p>{PARA}{i}</p>" for i in range(6)
    ) + "</div>"
    page = f"<html><head>{head}</head><body><article><h1>T</h1>{article}</article></body></html>".encode()
    body = extract_article(page, "https://example.de/a/2", fetched_at=NOW).body_text
    assert lead in body
