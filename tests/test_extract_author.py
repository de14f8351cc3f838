"""The author layers (crawler.extract.author) and the byline reader (crawler.extract.bylines):
each rule on a small page shaped like the real ones it was written for, in several languages,
and names_in on the bylines sites print."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from crawler.extract import extract_article
from crawler.extract.bylines import MAX_NAME_CHARS, names_in
from crawler.items import ArticleItem

FETCHED_AT = datetime(2025, 11, 20, tzinfo=UTC)
TEXT = {
    "en": "The council voted on Tuesday to extend the tram line to the harbour district, a plan that has been "
          "debated for more than a decade and will cost an estimated forty million euros over five years.",
    "de": "Der Stadtrat hat am Dienstag beschlossen, die Straßenbahnlinie bis zum Hafenviertel zu verlängern. "
          "Über den Plan wird seit mehr als zehn Jahren gestritten, er soll rund vierzig Millionen Euro kosten.",
    "fr": "Le conseil municipal a voté mardi le prolongement de la ligne de tramway jusqu'au quartier du port, "
          "un projet débattu depuis plus de dix ans et qui coûtera environ quarante millions d'euros.",
    "es": "El concejo municipal votó el martes la extensión de la línea de tranvía hasta el barrio del puerto, "
          "un plan debatido durante más de una década que costará unos cuarenta millones de euros.",
    "ko": "시의회는 화요일 항만 지구까지 트램 노선을 연장하는 안을 의결했다. 이 계획은 십 년 넘게 논의돼 왔으며 "
          "앞으로 오 년 동안 약 사백억 원이 들 것으로 예상된다. 시는 내년 상반기에 착공할 계획이다.",
}


def page(byline: str = "", *, head: str = "", lang: str = "en", after: str = "", aside: str = "") -> bytes:
    """An article page: a navigation, the article (title, ``byline``, two paragraphs,
    ``after``), a sidebar (``aside``); ``head`` goes in <head>."""
    text = TEXT[lang]
    return (
        f'<html lang="{lang}"><head><meta charset="utf-8"><title>Tram line - Example Times</title>'
        f'<meta property="og:site_name" content="Example Times">{head}</head><body>'
        '<nav class="menu"><a href="/">Home</a> <a href="/city/">City</a></nav>'
        f'<main><article><h1>Tram line extended</h1>{byline}'
        f'<div class="entry-content"><p>{text}</p><p>{text}</p></div>{after}</article></main>'
        f'<aside class="sidebar">{aside}</aside></body></html>'
    ).encode()


def extract(body: bytes, url: str = "https://news.example.com/city/tram-line") -> ArticleItem:
    return extract_article(body, url, fetched_at=FETCHED_AT)


def json_ld(author: object) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Tram line extended",
            "author": author}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


# --- names_in: a credit to names ------------------------------------------------------------


@pytest.mark.parametrize(
    ("credit", "names"),
    [
        ("By Jane Doe", ["Jane Doe"]),
        ("Von Max Muster und Eva Roth, 3. Mai 2021", ["Max Muster", "Eva Roth"]),
        ("Par Didier Roy, 21 juin 2018", ["Didier Roy"]),
        ("Por Juan Pérez | 3 de mayo de 2022", ["Juan Pérez"]),
        ("Di Mario Rossi", ["Mario Rossi"]),
        ("Posted on September 21, 2020 by Adi Tzlil", ["Adi Tzlil"]),
        ("Eine Kolumne von Nils Pickert", ["Nils Pickert"]),
        ("Text & Fotos: Ivan Valetny", ["Ivan Valetny"]),
        ("Text von Christian Seiler Illustration von Markus Roost", ["Christian Seiler"]),
        ("Author: Gàbor Muniér, Datum: 03.Mär.19", ["Gàbor Muniér"]),
        ("By Grace Zokovitch | gzokovitch@bostonherald.com", ["Grace Zokovitch"]),
        ("Williams Perdomo @wperdomod", ["Williams Perdomo"]),
        ("Grant Tinsley, PhD", ["Grant Tinsley"]),
        ("Rob Picheta, CNN", ["Rob Picheta"]),
        ("Evan Halper Staff Writer", ["Evan Halper"]),
        ("Von FOCUS-Online-Experte Robin Tschöpe", ["Robin Tschöpe"]),
        ("Daniel Braun, Davor Pasoski", ["Daniel Braun", "Davor Pasoski"]),
        ("Clara Löw, Siddharth Prakash & Klaus Jacob", ["Clara Löw", "Siddharth Prakash", "Klaus Jacob"]),
        ("Michael L. Anderson, PhD, Carlos Dobkin, PhD", ["Michael L. Anderson", "Carlos Dobkin"]),
        ("Jose de la Cruz", ["Jose de la Cruz"]),
        ("Ursula von der Leyen", ["Ursula von der Leyen"]),
        ("Frank Bueltge - http://bueltge.de", ["Frank Bueltge"]),
        ("Redaktion: Eberhard Fuhr (Pressesprecher des EJW)", ["Eberhard Fuhr"]),
        ("Redaktion", ["Redaktion"]),
        ("글쓴이 : 홍길동", ["홍길동"]),
        ("작성자 뭉게구름", ["뭉게구름"]),
        ("박성현 기자", ["박성현 기자"]),
        ("기자 홍길동", ["홍길동"]),
        ("[서울=뉴시스] 홍길동 기자", ["홍길동 기자"]),
        ("责任编辑：焦鹏", ["焦鹏"]),
        ("Author: r2d2", ["r2d2"]),
    ],
)
def test_names_in_reads_the_bylines_sites_print(credit: str, names: list[str]) -> None:
    assert names_in(credit) == names


@pytest.mark.parametrize(
    "credit", ["Admin", "Author", "Donnerstag, 4. November 2021", "Share", "Sign in", "Foto: Ingo Schneider",
               "2019-01-01", "J.", "Zeige alle Beiträge von", ""],
)
def test_names_in_gives_nothing_for_labels_dates_and_other_credits(credit: str) -> None:
    assert names_in(credit) == []


def test_free_text_needs_a_name_that_ends_the_sentence() -> None:
    assert names_in("Von Berlin aus fährt der Zug weiter nach Hamburg", strict=True) == []
    assert names_in("Autorin: Uta Staschewski, Projektleiterin der HSS in Tunesien.", strict=True) == [
        "Uta Staschewski"
    ]
    assert names_in("Michael L. Anderson, PhD ,\nCarlos Dobkin, PhD ,\nDevon Gorry, PhD", strict=True) == [
        "Michael L. Anderson", "Carlos Dobkin", "Devon Gorry",
    ]


def test_a_huge_credit_is_cut_before_it_is_read() -> None:
    started = time.perf_counter()
    names = names_in("By " + "Jane " * 200_000)
    assert time.perf_counter() - started < 0.05
    assert all(len(name) <= MAX_NAME_CHARS for name in names)


# --- the visible byline ---------------------------------------------------------------------


def test_wordpress_classic_theme_byline_gives_the_author_link_without_by() -> None:
    byline = '<span class="byline">By <a href="/author/maria/" rel="author">Maria Lopez</a></span>'
    item = extract(page(byline))
    assert item.author == "Maria Lopez"
    assert item.provenance["author"] == "markup"
    wordpress = page(byline, head='<link rel="stylesheet" href="/wp-content/themes/x/style.css">')
    assert extract(wordpress).author == "Maria Lopez"


def test_itemprop_author_gives_its_nested_name() -> None:
    byline = ('<div class="meta"><span itemprop="author" itemscope itemtype="https://schema.org/Person">'
              'von <span itemprop="name">Alexander Karper</span></span></div>')
    assert extract(page(byline, lang="de")).author == "Alexander Karper"


def test_vcard_fn_and_rel_author() -> None:
    byline = ('<p class="post-byline">von <span class="vcard author"><span class="fn">'
              '<a href="/author/limespacer/" rel="author">Limespacer</a></span></span></p>')
    assert extract(page(byline, lang="de")).author == "Limespacer"


def test_every_author_of_one_byline_is_kept() -> None:
    byline = ('<p class="byline">By <a href="/author/a/" rel="author">Lars Fischer</a> and '
              '<a href="/author/b/" rel="author">Alina Schadwinkel</a></p>')
    assert extract(page(byline)).author == "Lars Fischer, Alina Schadwinkel"
    german = '<div class="autorenzeile">Von Volkmar Kabisch, Jan Lukas Strozyk und Benedikt Strunz</div>'
    assert extract(page(german, lang="de")).author == "Volkmar Kabisch, Jan Lukas Strozyk, Benedikt Strunz"


def test_french_and_spanish_bylines() -> None:
    french = '<div class="dates_auteurs">par <span class="auteurs">Didier Roy</span>, 21 juin 2018</div>'
    assert extract(page(french, lang="fr")).author == "Didier Roy"
    spanish = '<div class="info"><span class="person-name">Por Mariano Martín</span></div>'
    assert extract(page(spanish, lang="es")).author == "Mariano Martín"


def test_a_label_and_the_name_in_the_next_element() -> None:
    byline = '<div class="fic-header"><span> by </span><h3><a href="/profile/142450">delta201</a></h3></div>'
    assert extract(page(byline)).author == "delta201"


def test_a_link_to_the_sites_author_page_that_names_its_slug() -> None:
    byline = '<div class="meta"><a href="/autor/jil-schuller">Jil Schuller</a> · 3 Min.</div>'
    assert extract(page(byline, lang="de")).author == "Jil Schuller"
    elsewhere = '<div class="meta"><a href="https://shop.example.org/member/shop/jil-schuller">Jil Schuller</a></div>'
    assert extract(page(elsewhere, lang="de")).author is None


def test_a_labelled_line_atop_the_body() -> None:
    item = extract(page('<p class="lead">Von Claudia Lindner</p>', lang="de"))
    assert item.author == "Claudia Lindner"


def test_korean_news_byline_keeps_the_reporter_title() -> None:
    byline = '<div class="byline">홍길동 기자 hong@example.co.kr</div>'
    assert extract(page(byline, lang="ko"), "https://news.example.co.kr/article/1").author == "홍길동 기자"


def test_korean_board_writer_label_and_nickname() -> None:
    byline = '<div class="board-info"><span class="writer">글쓴이 : 뭉게구름</span><span>조회 54</span></div>'
    assert extract(page(byline, lang="ko"), "https://club.example.kr/board/view/7").author == "뭉게구름"
    byline = '<div class="view-head"><span class="member_nickname">산들바람</span> <span>2025.11.18</span></div>'
    assert extract(page(byline, lang="ko"), "https://club.example.kr/board/view/8").author == "산들바람"


# --- metadata and the byline ----------------------------------------------------------------


def test_json_ld_person_array_gives_every_author() -> None:
    head = json_ld([{"@type": "Person", "name": "Benjamin Fischer"}, {"@type": "Person", "name": "Marcus Theurer"}])
    item = extract(page(head=head))
    assert item.author == "Benjamin Fischer, Marcus Theurer"
    assert item.provenance["author"] == "json-ld"


def test_metadata_naming_the_site_gives_way_to_the_byline() -> None:
    head = '<meta name="author" content="Example Times">'
    item = extract(page('<div class="article-author">Von Eva Roth</div>', head=head, lang="de"))
    assert (item.author, item.provenance["author"]) == ("Eva Roth", "markup")
    organization = json_ld({"@type": "Organization", "name": "LN"})
    assert extract(page('<p class="author">By Cosima Künzel</p>', head=organization)).author == "Cosima Künzel"


def test_a_login_handle_in_metadata_gives_way_to_the_display_name() -> None:
    head = '<meta name="author" content="arianschlichenmayer">'
    byline = '<span class="author-name">Arian Schlichenmayer</span>'
    assert extract(page(byline, head=head)).author == "Arian Schlichenmayer"


def test_the_byline_naming_more_authors_than_the_metadata_wins() -> None:
    head = '<meta name="author" content="Sadhbh O\'Sullivan">'
    byline = ('<div class="byline">By <a href="/author/sadhbh/">Sadhbh O\'Sullivan</a>, '
              '<a href="/author/elisabeth/">Elisabeth Kochan</a></div>')
    assert extract(page(byline, head=head)).author == "Sadhbh O'Sullivan, Elisabeth Kochan"


def test_other_meta_author_keys_when_the_first_names_the_site() -> None:
    head = '<meta name="author" content="Example Times"><meta property="cXenseParse:author" content="Lisa Petrich">'
    assert extract(page(head=head)).author == "Lisa Petrich"


# --- what is not the article's byline -------------------------------------------------------


def test_comments_sidebars_and_related_lists_are_not_the_byline() -> None:
    after = ('<section class="related-posts"><div class="author">Von Jörn Mecher</div></section>'
             '<ol class="comment-list"><li class="comment"><div class="comment-author vcard">'
             '<b class="fn">Aylin</b> sagt:</div><p>Schöner Text!</p></li></ol>')
    aside = '<div class="author-box"><a href="/author/peter/">Peter Pan</a></div>'
    item = extract(page(after=after, aside=aside, lang="de"))
    assert item.author is None
    assert item.provenance["author"] == "none"


def test_a_class_that_names_other_people_too_is_a_list() -> None:
    tags = "".join(f'<div class="article-grouper-author">{tag}</div>' for tag in ("Salarios", "CGT", "UVA"))
    item = extract(page(tags + '<div class="meta"><span>Por Mariano Martín</span></div>', lang="es"))
    assert item.author == "Mariano Martín"


def test_wordpress_post_author_comment_when_nothing_else_credits() -> None:
    after = ('<ol class="commentlist"><li class="comment byuser comment-author-jancak bypostauthor">'
             '<div class="comment-author vcard"><cite>Kommentar von <span class="fn">jancak</span>'
             ' — 2019-01-01 @ 00:45</cite></div><p>Danke!</p></li></ol>')
    assert extract(page(after=after, lang="de")).author == "jancak"


def test_image_credits_and_embeds_are_not_the_author() -> None:
    byline = ('<figure><img src="/a.jpg" alt=""><figcaption><span class="author">Foto: Ingo Schneider'
              '</span></figcaption></figure><blockquote class="instagram-media">'
              '<a href="https://www.instagram.com/p/x/">Ein Beitrag geteilt von Eleonora Aricó</a></blockquote>')
    assert extract(page(byline, lang="de")).author is None


def test_no_credit_gives_none() -> None:
    item = extract(page('<div class="date">3. Mai 2021</div>', lang="de"))
    assert item.author is None


def test_thousands_of_byline_like_elements_are_read_in_bounded_time() -> None:
    nested = '<div class="author">' * 2000 + "\n" * 500 + "</div>" * 2000
    teasers = "".join(f'<div class="author">Max{i} Muster</div>' for i in range(3000))
    for byline in (nested, teasers, '<a href="/author/x/">x</a>' * 3000):
        started = time.perf_counter()
        item = extract(page(byline, lang="de"))
        assert time.perf_counter() - started < 3.0
        assert item.author is None
