"""Title choice (crawler.extract.title): one small hand-written page per rule.

Each page holds the title sources a real one does (JSON-LD, og:/twitter:title, <title>,
headings) and the test names the rule that decides between them.
"""

from __future__ import annotations

import json
import time

import pytest

from crawler.extract import extract_article
from crawler.extract.article import page_of
from crawler.extract.page import ArticlePage
from crawler.extract.parse import parse_html
from crawler.extract.title import core, fallback_title, refine_title

URL = "https://www.example-news.com/politik/2024/05/story-123.html"


def page(head: str, body: str, url: str = URL, lang: str = "de") -> ArticlePage:
    html = f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'
    return page_of(parse_html(html, url), url, text=html)


def title(head: str, body: str, url: str = URL, lang: str = "de") -> str | None:
    return fallback_title(page(head, body, url, lang))[0]


def json_ld(headline: str) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": headline}
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


ARTICLE_BODY = "<p>" + "Der Text des Artikels geht hier weiter und weiter. " * 12 + "</p>"


# --- the site's name cut off --------------------------------------------------------------


def test_site_name_after_a_separator_is_cut_when_it_is_og_site_name() -> None:
    head = ('<title>Losing face: 6,000 surgical masks stolen from Kobe hospital | The Japan Times</title>'
            '<meta property="og:title" content="Losing face: 6,000 surgical masks stolen from Kobe hospital'
            ' | The Japan Times"><meta property="og:site_name" content="The Japan Times">')
    assert title(head, "<main><p>text</p></main>", lang="en") == (
        "Losing face: 6,000 surgical masks stolen from Kobe hospital")  # the subject's own colon stays


def test_site_name_is_recognised_from_the_host() -> None:
    head = '<meta property="og:title" content="Interview mit Schriftstellerin Sonja Silberhorn - apolut.net">'
    url = "https://apolut.net/interview-mit-schriftstellerin-sonja-silberhorn/"
    assert title(head, "<p>text</p>", url) == "Interview mit Schriftstellerin Sonja Silberhorn"


def test_site_name_holding_a_separator_itself_is_cut_whole() -> None:
    head = ('<meta property="og:title" content="Pour le néolibéralisme, la retraite est un archaïsme'
            ' | AOC media - Analyse Opinion Critique">'
            '<meta property="og:site_name" content="AOC media - Analyse Opinion Critique">')
    url = "https://aoc.media/opinion/2019/12/09/pour-le-neoliberalisme/"
    assert title(head, "<p>texte</p>", url, "fr") == "Pour le néolibéralisme, la retraite est un archaïsme"


def test_chinese_title_without_spaces_loses_the_site_named_by_the_home_link() -> None:
    head = "<title>武汉的声音：有英勇的你，才有英雄的城！-新华网</title>"
    body = '<div class="news-position"><a href="http://www.xinhuanet.com/">新华网</a> 正文</div><p>正文内容</p>'
    url = "http://www.xinhuanet.com/local/2020-02/19/c_1125597921.htm"
    assert title(head, body, url, "zh") == "武汉的声音：有英勇的你，才有英雄的城！"


def test_korean_title_loses_the_board_and_site_segments() -> None:
    head = ('<title>동네 도서관, 밤 10시까지 문 연다 | 우리동네 소식</title>'
            '<meta property="og:site_name" content="우리동네 소식">')
    assert title(head, "<div><p>본문</p></div>", "https://town.example.kr/news/77", "ko") == (
        "동네 도서관, 밤 10시까지 문 연다")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Time 4 talks » Blog Archiv » Weitere Digitalisierung der Schweizer Kinos",
         "Weitere Digitalisierung der Schweizer Kinos"),  # site first: the last of the path
        ("kein App Store mehr über Mobile Daten mit iOS 13 ? | iPhone | Forum | Time4Talks.com",
         "kein App Store mehr über Mobile Daten mit iOS 13 ?"),  # Title | Section | Forum | Site
        ("»Einfach kein Geld mehr« (time 4 talks)", "»Einfach kein Geld mehr«"),
        ("Der historische Purzelbaum: Time4Talks", "Der historische Purzelbaum"),
        ("Kernfusion: Kann das klappen? - Ein Essay", "Kernfusion: Kann das klappen? - Ein Essay"),  # no site
    ],
)
def test_core_cuts_only_parts_that_name_the_site(text: str, expected: str) -> None:
    assert core(text, [], {"time4talks", "time4talkscom"}) == expected


# --- headings confirmed by metadata ---------------------------------------------------------


def test_visible_h1_confirmed_by_og_title_wins_with_its_typography() -> None:
    head = ('<meta property="og:title" content="A Paris-8, un peu de tension, beaucoup d\'actions - Bondy Blog">'
            '<meta property="og:site_name" content="Bondy Blog">')
    body = '<h1 class="title">A Paris-8, un peu de tension, beaucoup d’actions</h1><p>texte</p>'
    assert title(head, body, lang="fr") == "A Paris-8, un peu de tension, beaucoup d’actions"


def test_json_ld_entities_are_decoded_and_the_site_suffix_of_json_ld_is_not_taken() -> None:
    head = json_ld("Fünf HR-Trends 2023 | HR JOURNAL") + '<meta property="og:site_name" content="HR JOURNAL">'
    body = '<div class="page-hero"><h1>Fünf HR-Trends 2023</h1></div>'
    assert title(head, body) == "Fünf HR-Trends 2023"
    head = json_ld("Investigador asegura: &quot;El 90% de los autos&quot;")
    assert title(head, '<div class="promo"><h1>Otro título</h1></div>', lang="es") == (
        'Investigador asegura: "El 90% de los autos"')  # no heading agrees nor leads: JSON-LD, decoded


def test_kicker_marked_in_the_h1_is_dropped() -> None:
    head = '<meta property="og:title" content="Klimaschutz: Bohren, bis es heiß wird">'
    body = ('<article><h1 class="article-heading"><span class="article-heading__kicker">Klimaschutz</span>'
            '<span class="visually-hidden">: </span><span class="article-heading__title">Bohren, bis es heiß wird'
            "</span></h1></article>")
    assert title(head, body) == "Bohren, bis es heiß wird"


def test_kicker_before_a_screen_reader_separator_is_dropped() -> None:
    head = ('<meta property="og:title" content="Coronavirus und andere Zoonosen – Wie Umweltzerstörung'
            ' Epidemien begünstigt">')
    body = ('<h1 itemprop="headline"><span class="ContentHead_top">Coronavirus und andere Zoonosen</span>'
            '<span aria-hidden="true"> – </span><span>Wie Umweltzerstörung Epidemien begünstigt</span></h1>')
    assert title(head, body) == "Wie Umweltzerstörung Epidemien begünstigt"


def test_unmarked_kicker_child_is_dropped_when_the_metadata_leaves_it_out() -> None:
    head = '<meta property="og:title" content="Klimavorreiter Oberland? - Tegernseerstimme">'
    body = ("<article><h1 class=\"entry-title\"><span class='sub-heading'>Energiewende Oberland:</span>"
            "<br> Klimavorreiter Oberland?</h1></article>")
    assert title(head, body, "https://tegernseerstimme.de/klimavorreiter/") == "Klimavorreiter Oberland?"


def test_heading_without_the_kicker_the_metadata_prefixes() -> None:
    head = '<meta property="og:title" content="Chronik: Lotte Tobisch ist tot"><title>Chronik: Lotte Tobisch</title>'
    body = '<main><div class="story-lead"><h1 class="story-lead-headline">Lotte Tobisch ist tot</h1></div></main>'
    assert title(head, body, "https://wien.orf.at/stories/3017954/") == "Lotte Tobisch ist tot"


def test_heading_cut_with_an_ellipsis_is_completed_by_the_title_tag() -> None:
    head = ("<title>Taiwan's president should be essential reading for Hong Kong leader Carrie Lam"
            ' | South China Morning Post</title><meta property="og:site_name" content="South China Morning Post">')
    body = "<h1>Taiwan's president should be essential reading for Hong Kong leader…</h1>"
    assert title(head, body, lang="en") == (
        "Taiwan's president should be essential reading for Hong Kong leader Carrie Lam")


def test_metadata_cut_with_an_ellipsis_is_completed() -> None:
    head = (json_ld("Sanna Marin tapasi Angela Merkelin: Myös Saksa haluaa pitää kiinni maataloustuista...")
            + '<meta property="og:title" content="Sanna Marin tapasi Angela Merkelin: Myös Saksa haluaa pitää'
            ' kiinni maataloustuista ja muusta">')
    assert title(head, "<p>teksti</p>", lang="fi") == (
        "Sanna Marin tapasi Angela Merkelin: Myös Saksa haluaa pitää kiinni maataloustuista ja muusta")


def test_heading_printing_a_subtitle_after_the_title() -> None:
    head = '<meta property="og:title" content="Dezuka Suisan: Deep-Fried Fish Cakes, Hot and Fresh">'
    body = ("<h1 class='article-title'><span>Dezuka Suisan: Deep-Fried Fish Cakes, Hot and Fresh</span>"
            "<small class='article-subtitle'>Welcome to the Flavor Capital of Northern Japan</small></h1>")
    assert title(head, body, lang="en") == "Dezuka Suisan: Deep-Fried Fish Cakes, Hot and Fresh"


# --- headings that are not the article's ----------------------------------------------------


def test_logo_h1_linking_home_is_not_the_title() -> None:
    head = "<title>Rinderleber-Geschnetzeltes mit Apfel und Zwiebel | Liebe geht durch den Magen</title>"
    body = ('<div id="header"><h1><a href="http://www.der-erfolg-gibt-recht.de">Liebe geht durch den Magen</a></h1>'
            "</div><div><p>Rezept</p></div>")
    url = "http://www.der-erfolg-gibt-recht.de/rezepte/rinderleber.htm"
    assert title(head, body, url) == "Rinderleber-Geschnetzeltes mit Apfel und Zwiebel"


def test_board_name_h1_before_the_articles_heading() -> None:
    head = '<meta property="og:title" content="Frei erfunden: Grab-Bote fliegt nach Singapur, Thailand">'
    body = ('<div class="article-category-wrapper"><h1 class="article-category-title">'
            '<a href="/de/pagecategories/bangkok">Bangkok</a></h1></div>'
            '<div id="content"><h1 class="page-title">Frei erfunden: Grab-Bote fliegt nach Singapur</h1></div>')
    assert title(head, body) == "Frei erfunden: Grab-Bote fliegt nach Singapur"


def test_breadcrumb_h1_confirms_the_metadata_in_its_words() -> None:
    head = ('<meta name="title" content="Weihnachten nicht zunehmen: 10 Tipps für ein schlankes Fest">'
            "<title>Weihnachten nicht zunehmen: 10 Tipps | WOMEN'S HEALTH</title>")
    body = ('<nav class="breadcrumb"><ol><li><h1>Weihnachten nicht zunehmen: 10 Tipps für ein schlankes</h1></li>'
            "</ol></nav><p>Text</p>")
    assert title(head, body) == "Weihnachten nicht zunehmen: 10 Tipps für ein schlankes Fest"


def test_strapline_h1_gives_way_to_an_h2_equal_to_og_title() -> None:
    head = '<meta property="og:title" content="Strava-Karten ab sofort mit mehr Infos - Strava-Update: POI bei Routen">'
    body = ('<article><header class="article"><h1 class="strapline">Strava-Update: POI bei Routen</h1>'
            '<h2 class="title">Strava-Karten ab sofort mit mehr Infos</h2></header></article>')
    assert title(head, body) == "Strava-Karten ab sofort mit mehr Infos"


def test_unconfirmed_headline_in_the_article_beats_the_seo_title() -> None:
    head = (json_ld("Brexit: Nervenkrieg geht in nächste Runde")
            + '<meta property="og:title" content="Brexit: Nervenkrieg geht in nächste Runde">')
    body = ('<main><header class="headline"><h1 class="headline" itemprop="headline">'
            "Der Nervenkrieg um den Brexit geht in die nächste Runde</h1></header></main>")
    assert title(head, body) == "Der Nervenkrieg um den Brexit geht in die nächste Runde"


def test_metadata_alone_when_no_heading_is_placed_as_the_headline() -> None:
    head = (json_ld("Michael Bloomberg is having to answer questions")
            + '<meta property="og:title" content="As his first debate nears, Bloomberg answers">'
            '<meta name="twitter:title" content="As his first debate nears, Bloomberg answers">')
    body = '<div class="promo"><h1 class="x">Sections</h1></div><nav><h1>Menu</h1></nav>'
    assert fallback_title(page(head, body, lang="en")) == ("As his first debate nears, Bloomberg answers", "meta")


def test_korean_board_header_without_any_metadata() -> None:
    body = "<div>가을 캠핑 장비 정리했습니다 작성일 : 2025-10-03 21:14</div><div><p>본문입니다</p></div>"
    assert fallback_title(page("", body, "https://board.example.kr/view?id=1", "ko")) == (
        "가을 캠핑 장비 정리했습니다", "board-header")


def test_korean_heading_confirmed_by_og_title() -> None:
    head = ('<meta property="og:title" content="반도체 수출 석 달 연속 증가… 10월 역대 최대">'
            "<title>반도체 수출 석 달 연속 증가… 10월 역대 최대 &gt; 경제뉴스 | 우리동네</title>")
    body = '<article><h1 class="tit_view">반도체 수출 석 달 연속 증가… 10월 역대 최대</h1></article>'
    assert title(head, body, "https://news.example.kr/v/1", "ko") == "반도체 수출 석 달 연속 증가… 10월 역대 최대"


def test_candidates_are_bounded_and_fast() -> None:
    head = '<meta property="og:title" content="' + "Sehr langer Titel | " * 600 + '">'
    body = "".join(f"<h1>Überschrift {i}</h1>" for i in range(200)) + ARTICLE_BODY
    started = time.perf_counter()
    got = title(head, body)
    assert got is not None and len(got) <= 500
    assert time.perf_counter() - started < 0.5


# --- a profile's title held to the candidates (refine_title) ----------------------------------


WP_HEAD = ('<link rel="stylesheet" href="https://blog.example.de/wp-content/themes/x/style.css">'
           '<meta property="og:site_name" content="handwerk magazin">')


def wordpress(head: str, h1: str) -> str:
    return (f"<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'>{WP_HEAD}{head}</head><body>"
            f"<article class='post'><header class='entry-header'>{h1}</header>"
            f"<div class='entry-content'>{ARTICLE_BODY}</div></article></body></html>")


def test_profile_title_loses_its_marked_kicker() -> None:
    html = wordpress(
        '<meta property="og:title" content="Cyber-Angriffe: 20 Prozent vom IT-Budget - handwerk magazin">',
        '<h1 class="entry-title"><span class="entry-title__toptitle">Investitionen in IT-Sicherheit</span>'
        " Cyber-Angriffe: 20 Prozent vom IT-Budget</h1>",
    )
    item = extract_article(html.encode(), "https://blog.example.de/cyber-angriffe/")
    assert (item.profile, item.title, item.provenance["title"]) == (
        "wordpress", "Cyber-Angriffe: 20 Prozent vom IT-Budget", "profile")


def test_profile_falling_back_to_og_title_is_chosen_again() -> None:
    html = wordpress(
        '<meta property="og:title" content="White Passing oder (m)ein Leben dazwischen - amazed">'
        '<meta property="og:site_name" content="amazed">',
        '<h1 class="post-single-heading">White Passing oder (m)ein Leben dazwischen</h1>',
    )
    item = extract_article(html.encode(), "https://www.amazedmag.de/white-passing/")
    assert item.title == "White Passing oder (m)ein Leben dazwischen"


def test_refine_keeps_titles_of_other_layers_and_empty_ones() -> None:
    p = page('<meta property="og:title" content="Foo | Example News">', "<h1>Foo</h1>")
    assert refine_title(p, "제목 - 게시판", "hook") == ("제목 - 게시판", "hook")
    assert refine_title(p, None, "none") == (None, "none")


def test_refine_completes_a_profile_title_cut_with_an_ellipsis() -> None:
    p = page('<meta property="og:title" content="Investigador chileno asegura que no publicó todo su material">',
             "<h1>Investigador chileno asegura que no publicó…</h1>", lang="es")
    assert refine_title(p, "Investigador chileno asegura que no publicó…", "profile") == (
        "Investigador chileno asegura que no publicó todo su material", "profile")
