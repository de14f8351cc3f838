"""Previous/next links of article pages as the CMSs and themes really print them.

Each page below embeds a theme's post navigation, as its template prints it, in a
plausible article page (a header with a menu, an article of a few paragraphs, a sidebar
with recent posts, a footer). Where the markup comes from:

- WordPress classic themes: ``_navigation_markup()`` of wp-includes/link-template.php
  (wordpress-develop) with the ``prev_text``/``next_text`` of twentytwentyone's single.php
  (WordPress/twentytwentyone); block themes: ``render_block_core_post_navigation_link``
  (WordPress/gutenberg packages/block-library/src/post-navigation-link/index.php) with
  the attributes of twentytwentyfour's hidden-post-navigation pattern.
- Hugo: PaperMod layouts/partials/post_nav_links.html and its i18n/*.yaml
  (adityatelange/hugo-PaperMod); Terminal layouts/partials/posts_pagination.html
  (panr/hugo-theme-terminal); LoveIt layouts/_partials/single/footer.html
  (dillonzq/LoveIt); the Bootstrap 3 pager ``ul.pager.blog-pager`` of Beautiful Hugo's
  older single.html and of Beautiful Jekyll-style post layouts, with Beautiful Hugo's
  i18n/de.yaml labels (halogenica/beautifulhugo). Ananke,
  hugo-coder and Stack print no previous/next links in their current templates
  (gohugo-theme-ananke layouts/_default/single.html, luizdepra/hugo-coder
  layouts/posts/single.html, CaiJimmy/hugo-theme-stack layouts/_default/single.html);
  older Ananke printed a bare ``<< <a>title</a>`` that nothing here reads.
- Jekyll: minimal-mistakes _includes/post_pagination.html and _data/ui-text.yml
  (mmistakes/minimal-mistakes); minima's _layouts/post.html prints none (jekyll/minima).
- Ghost: Casper's post.hbs (TryGhost/Casper) shows "read more" post cards, no
  previous/next; Dawn's post.hbs (TryGhost/Dawn) icon-only ``.navigation-previous``.
- Blogger: ``#blog-pager`` as Blogger renders it (desktop and the ``mobile-nextprev``
  includable of the layout templates).
- Tistory: skins' ``<s_article_prev>``/``<s_article_next>`` blocks (the platform's
  ``[##_article_prev_link_##]`` tokens) as two skins published on GitHub print them
  (a labelled ``a.post-nav-prev``, and ``nav.adjacent a.prev``); Tistory's official
  skins were not found. Naver blog's markup was not found either: no test.
- Rhymix/XE: modules/board/skins/xedition/list.html (rhymix/rhymix).
- gnuboard5: skin/board/basic/view.skin.php (gnuboard/gnuboard5).
- SPIP: squelettes-dist/article.html of SPIP 3 (as compiled in a site's tmp/cache),
  the ``{age_relatif}`` example of SPIP's documentation ("Article suivant: #TITRE"),
  SPIP's pagination (``a.lien_pagination``, ``span.on``).
- Drupal: core/themes/classy/templates/navigation/book-navigation.html.twig and
  modules/book/book-navigation.tpl.php (drupal/drupal).
"""

from __future__ import annotations

import pytest

from crawler.extract import extract_article
from crawler.extract.labels import label_kind
from crawler.items import ArticleItem

TEXT = {
    "en": [
        "The city council approved the new cycling plan on Tuesday after a long debate about parking, "
        "delivery vans and the safety of children on their way to school.",
        "Under the plan, forty kilometres of protected lanes will be built over the next three years, "
        "starting with the two bridges that connect the old town to the railway station.",
        "Shop owners on the main street asked for loading zones to be kept, and the council agreed to "
        "review the design with them before the first works begin in the spring.",
    ],
    "ko": [
        "시의회는 화요일 주차 문제와 배달 차량, 등굣길 어린이 안전을 둘러싼 긴 논쟁 끝에 새 자전거 계획을 "
        "승인했다. 계획에 따르면 앞으로 3년 동안 보호된 자전거 도로 40킬로미터가 새로 만들어진다.",
        "첫 공사는 구시가지와 기차역을 잇는 두 다리에서 시작된다. 중심가 상인들은 물건을 싣고 내리는 구역을 "
        "남겨 달라고 요청했고, 시의회는 봄에 공사가 시작되기 전에 상인들과 설계를 다시 검토하기로 했다.",
        "시민단체는 이번 결정을 환영하면서도 공사 기간 동안 보행자 안전 대책을 함께 마련해야 한다고 "
        "지적했다. 시는 다음 달 주민 설명회를 열어 구간별 일정을 공개할 예정이다.",
    ],
    "de": [
        "Der Stadtrat hat am Dienstag nach einer langen Debatte über Parkplätze, Lieferwagen und die "
        "Sicherheit der Kinder auf dem Schulweg den neuen Radverkehrsplan beschlossen.",
        "Nach dem Plan entstehen in den kommenden drei Jahren vierzig Kilometer geschützte Radwege, "
        "zuerst auf den beiden Brücken zwischen der Altstadt und dem Bahnhof.",
        "Die Geschäftsleute der Hauptstraße baten darum, Ladezonen zu erhalten; der Rat will den Entwurf "
        "mit ihnen prüfen, bevor im Frühjahr die ersten Arbeiten beginnen.",
    ],
    "fr": [
        "Le conseil municipal a adopté mardi le nouveau plan vélo après un long débat sur le "
        "stationnement, les camionnettes de livraison et la sécurité des enfants sur le chemin de l'école.",
        "Le plan prévoit quarante kilomètres de pistes protégées au cours des trois prochaines années, "
        "à commencer par les deux ponts qui relient la vieille ville à la gare.",
        "Les commerçants de la rue principale ont demandé le maintien des aires de livraison ; le conseil "
        "reverra le projet avec eux avant le début des travaux au printemps.",
    ],
    "es": [
        "El ayuntamiento aprobó el martes el nuevo plan de bicicletas tras un largo debate sobre el "
        "aparcamiento, las furgonetas de reparto y la seguridad de los niños camino de la escuela.",
        "El plan prevé cuarenta kilómetros de carriles protegidos en los próximos tres años, empezando "
        "por los dos puentes que unen el casco antiguo con la estación de tren.",
        "Los comerciantes de la calle mayor pidieron conservar las zonas de carga, y el ayuntamiento "
        "revisará el diseño con ellos antes de que empiecen las obras en primavera.",
    ],
    "ja": [
        "市議会は火曜日、駐車場や配達車両、通学路の子どもの安全をめぐる長い議論の末、新しい自転車計画を承認した。"
        "計画では今後三年間で保護された自転車道を四十キロ整備する。",
        "最初の工事は旧市街と駅を結ぶ二つの橋から始まる。商店街の店主らは荷さばき場の確保を求め、"
        "市議会は春の着工前に店主らと設計を見直すことで合意した。",
        "市民団体は決定を歓迎しつつ、工事中の歩行者の安全対策も併せて示すよう求めている。"
        "市は来月、住民説明会を開いて区間ごとの日程を公表する予定だ。",
        "自転車利用者の団体によると、市内の自転車通勤者はこの五年で倍増しており、朝夕の時間帯には車道を走る"
        "自転車と自動車の接触事故が相次いでいる。今回の計画はこうした事故を減らすことを最大の目的としている。"
        "市長は記者会見で、計画の完成後には市内のどこからでも安全に自転車で駅まで行けるようになると述べた。",
    ],
    "zh": [
        "市议会周二在就停车、送货车辆和学生上学路上的安全进行长时间辩论后，批准了新的自行车道计划。"
        "根据计划，未来三年将修建四十公里受保护的自行车道。",
        "首批工程将从连接老城区和火车站的两座桥开始。主街的商户要求保留装卸区，"
        "市议会同意在春季开工前与他们一起重新审查设计方案。",
        "市民团体对这一决定表示欢迎，但也要求在施工期间同时公布行人安全措施。"
        "市政府计划下个月举行居民说明会，公布各路段的施工时间表。",
        "据骑行者协会统计，过去五年全市骑车通勤的人数翻了一番，早晚高峰时段自行车与机动车的剐蹭事故时有发生。"
        "这次的计划以减少此类事故为首要目标。市长在记者会上表示，计划完成后，市民从城市任何地方都能安全地骑车到达车站。"
        "市议会还将设立专门的监督小组，每季度向公众报告工程进度和资金使用情况。",
    ],
}

MENU = {
    "en": ("Home", "News", "About"),
    "ko": ("홈", "뉴스", "소개"),
    "de": ("Startseite", "Nachrichten", "Über uns"),
    "fr": ("Accueil", "Actualités", "À propos"),
    "es": ("Inicio", "Noticias", "Acerca de"),
    "ja": ("ホーム", "ニュース", "概要"),
    "zh": ("首页", "新闻", "关于"),
}


def _paragraphs(lang: str) -> str:
    text = "".join(f"<p>{p}</p>\n" for p in TEXT[lang])
    assert sum(len(p) for p in TEXT[lang]) >= 300
    return text


def _header(lang: str) -> str:
    home, news, about = MENU[lang]
    return (
        '<header class="site-header"><p class="site-title"><a href="/">Example Blog</a></p>'
        f'<nav class="main-navigation"><ul class="menu"><li><a href="/">{home}</a></li>'
        f'<li><a href="/category/news/">{news}</a></li><li><a href="/about/">{about}</a></li></ul></nav>'
        "</header>"
    )


RECENT = (
    '<section class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul>'
    '<li><a href="/2024/03/next-steps-for-the-garden/">Next steps for the community garden</a></li>'
    '<li><a href="/2024/03/previous-winners/">Previous winners of the photo contest</a></li>'
    '<li><a href="/2024/02/older-bikes/">Older bikes, new riders</a></li>'
    '<li><a href="/2024/02/newer-trams/">Newer trams arrive in May</a></li>'
    "</ul></section>"
)

FOOTER = (
    '<footer class="site-footer"><p>© 2024 Example Blog</p>'
    '<a href="/privacy/">Privacy</a> <a href="/feed/">RSS</a></footer>'
)


def _html(
    *, lang: str = "en", title: str, main: str, sidebar: str = RECENT, head: str = "", body_class: str = ""
) -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title} – Example Blog</title>'
        f'<meta property="og:title" content="{title}">{head}</head>'
        f'<body class="{body_class}">{_header(lang)}<div id="content" class="site-content">'
        f'<main id="main" class="site-main">{main}</main>'
        f'<aside id="secondary" class="widget-area">{sidebar}</aside></div>{FOOTER}</body></html>'
    )


def _extract(html: str, url: str, profile: str | None = None) -> ArticleItem:
    item = extract_article(html.encode("utf-8"), url, profile=profile)
    assert len(item.body_text) >= 250, item.body_text
    return item


def _links(item: ArticleItem) -> tuple[str | None, str | None]:
    return item.prev_url, item.next_url


# --- WordPress ------------------------------------------------------------------------------

WP = "https://wp.example.org"
WP_HEAD = (
    f"<link rel='stylesheet' href='{WP}/wp-content/themes/twentytwentyone/style.css' media='all'>"
    f"<script src='{WP}/wp-includes/js/jquery/jquery.min.js'></script>"
)
# twentytwentyone: the_post_navigation() with its prev_text/next_text (single.php), in the
# markup of _navigation_markup(); the arrows are inline SVG icons.
TT1_NAV = """<nav class="navigation post-navigation" aria-label="Posts">
<h2 class="screen-reader-text">Post navigation</h2>
<div class="nav-links">{prev}{next}</div></nav>"""
TT1_PREV = (
    '<div class="nav-previous"><a href="{url}" rel="prev"><span class="meta-nav" aria-hidden="true">'
    '<svg class="svg-icon" width="24" height="24" aria-hidden="true" role="img"><path d="M20 13v-2H8l4-4-1-2-7 7 7 7 '
    '1-2-4-4z"></path></svg>'
    ' Previous Post</span><span class="post-title" aria-hidden="true">{title}</span>'
    '<span class="screen-reader-text">Previous post: "{title}"</span></a></div>'
)
TT1_NEXT = (
    '<div class="nav-next"><a href="{url}" rel="next"><span class="meta-nav" aria-hidden="true">Next Post '
    '<svg class="svg-icon" width="24" height="24" aria-hidden="true" role="img"><path d="m4 13v-2h12l-4-4 1-2 7 7-7 '
    '7-1-2 4-4z"></path></svg>'
    '</span><span class="post-title" aria-hidden="true">{title}</span>'
    '<span class="screen-reader-text">Next post: "{title}"</span></a></div>'
)
# The calendar widget of WordPress 5.4+ (get_calendar()): month links, not posts.
CALENDAR = (
    '<section class="widget widget_calendar"><div class="calendar_wrap"><table class="wp-calendar-table">'
    "<caption>March 2024</caption><tbody><tr><td>1</td><td>2</td></tr></tbody></table>"
    '<nav aria-label="Previous and next months" class="wp-calendar-nav">'
    f'<span class="wp-calendar-nav-prev"><a href="{WP}/2024/02/">&laquo; Feb</a></span>'
    '<span class="pad">&nbsp;</span>'
    f'<span class="wp-calendar-nav-next"><a href="{WP}/2024/04/">Apr &raquo;</a></span></nav></div></section>'
)


def _wp_article(title: str) -> str:
    return (
        '<article class="post type-post status-publish"><header class="entry-header"><h1 class="entry-title">'
        f'{title}</h1>'
        '<div class="entry-meta"><span class="posted-on">Published <time class="entry-date published" '
        'datetime="2024-03-12T09:00:00+00:00">March 12, 2024</time></span></div></header>'
        f'<div class="entry-content">{_paragraphs("en")}</div>'
        '<footer class="entry-footer"><span class="cat-links">Categorized as <a href="/category/news/" rel="category '
        'tag">News</a></span></footer>'
        "</article>"
    )


@pytest.mark.parametrize("profile", [None, "generic"])
def test_wordpress_classic_post_navigation(profile: str | None) -> None:
    nav = TT1_NAV.format(
        prev=TT1_PREV.format(url=f"{WP}/2024/03/council-meets/", title="Council meets on Monday"),
        next=TT1_NEXT.format(url=f"{WP}/2024/03/bridge-works/", title="Bridge works start"),
    )
    html = _html(title="New cycling plan", main=_wp_article("New cycling plan") + nav, head=WP_HEAD,
                 sidebar=RECENT + CALENDAR, body_class="post-template-default single single-post")
    item = _extract(html, f"{WP}/2024/03/new-cycling-plan/", profile)
    assert _links(item) == (f"{WP}/2024/03/council-meets/", f"{WP}/2024/03/bridge-works/")


@pytest.mark.parametrize("profile", [None, "generic"])
def test_wordpress_newest_post_has_no_next_and_the_calendar_is_not_one(profile: str | None) -> None:
    nav = TT1_NAV.format(prev=TT1_PREV.format(url=f"{WP}/2024/03/council-meets/", title="Council meets"), next="")
    html = _html(title="New cycling plan", main=_wp_article("New cycling plan") + nav, head=WP_HEAD,
                 sidebar=RECENT + CALENDAR)
    item = _extract(html, f"{WP}/2024/03/new-cycling-plan/", profile)
    assert _links(item) == (f"{WP}/2024/03/council-meets/", None)


# twentytwentyfour's hidden-post-navigation pattern: post-navigation-link blocks with
# "label":"Previous: ", "showTitle":true, "linkLabel":true, "arrow":"arrow".
def _block_link(kind: str, url: str, title: str) -> str:
    rel = "prev" if kind == "previous" else "next"
    label = "Previous: " if kind == "previous" else "Next: "
    arrow = "←" if kind == "previous" else "→"
    link = (
        f'<a href="{url}" rel="{rel}"><span class="post-navigation-link__label">{label}</span> '
        f'<span class="post-navigation-link__title">{title}</span></a>'
    )
    span = f'<span class="wp-block-post-navigation-link__arrow-{kind} is-arrow-arrow" aria-hidden="true">{arrow}</span>'
    inner = span + link if kind == "previous" else link + span
    return f'<div class="post-navigation-link-{kind} wp-block-post-navigation-link">{inner}</div>'


@pytest.mark.parametrize("profile", [None, "generic"])
def test_wordpress_block_theme_post_navigation_link(profile: str | None) -> None:
    nav = (
        '<nav class="wp-block-group is-content-justification-space-between is-nowrap is-layout-flex" '
        'aria-label="Posts">'
        + _block_link("previous", f"{WP}/2024/03/council-meets/", "Council meets")
        + _block_link("next", f"{WP}/2024/03/bridge-works/", "Bridge works start")
        + "</nav>"
    )
    main = (
        '<div class="wp-block-group"><h1 class="wp-block-post-title">New cycling plan</h1>'
        f'<div class="entry-content wp-block-post-content">{_paragraphs("en")}</div></div>{nav}'
    )
    html = _html(title="New cycling plan", main=main, head=WP_HEAD.replace("twentytwentyone", "twentytwentyfour"))
    item = _extract(html, f"{WP}/2024/03/new-cycling-plan/", profile)
    assert _links(item) == (f"{WP}/2024/03/council-meets/", f"{WP}/2024/03/bridge-works/")


# --- Hugo -----------------------------------------------------------------------------------

HUGO = "https://hugo.example.net"

# PaperMod's i18n prev_page / next_page.
PAPERMOD_I18N = {
    "en": ("Prev Page", "Next Page"),
    "ko": ("이전 페이지", "다음 페이지"),
    "de": ("Vorherige Seite", "Nächste Seite"),
    "fr": ("Page Précédente", "Page Suivante"),
    "es": ("Página anterior", "Página siguiente"),
    "ja": ("前のページ", "次のページ"),
    "zh": ("上一页", "下一页"),
}


def _papermod(lang: str, prev: bool = True, nxt: bool = True) -> str:
    prev_label, next_label = PAPERMOD_I18N[lang]
    links = ""
    if prev:
        links += (
            f'<a class="prev" href="{HUGO}/posts/council-meets/"><span class="title">« {prev_label}</span>'
            "<br><span>Council meets</span></a>"
        )
    if nxt:
        links += (
            f'<a class="next" href="{HUGO}/posts/bridge-works/"><span class="title">{next_label} »</span>'
            "<br><span>Bridge works start</span></a>"
        )
    return (
        '<article class="post-single"><header class="post-header"><h1 class="post-title entry-hint-parent">New '
        'cycling plan</h1>'
        '<div class="post-meta"><span title="2024-03-12">March 12, 2024</span>&nbsp;·&nbsp;2 min</div></header>'
        f'<div class="post-content">{_paragraphs(lang)}</div>'
        '<footer class="post-footer"><ul class="post-tags"><li><a href="/tags/city/">city</a></li></ul>'
        f'<nav class="paginav">{links}</nav></footer></article>'
    )


@pytest.mark.parametrize("lang", sorted(PAPERMOD_I18N))
def test_hugo_papermod_paginav(lang: str) -> None:
    item = _extract(_html(lang=lang, title="New cycling plan", main=_papermod(lang)), f"{HUGO}/posts/cycling/")
    assert _links(item) == (f"{HUGO}/posts/council-meets/", f"{HUGO}/posts/bridge-works/")


def test_hugo_papermod_first_post() -> None:
    item = _extract(_html(title="New cycling plan", main=_papermod("en", prev=False)), f"{HUGO}/posts/cycling/")
    assert _links(item) == (None, f"{HUGO}/posts/bridge-works/")


def test_hugo_terminal_pagination_holding_only_the_post_links() -> None:
    # posts_pagination.html: a div.pagination with no page numbers, two buttons whose
    # only words are the posts' titles (the arrows are icons).
    nav = (
        '<div class="pagination" data-pagefind-ignore><div class="pagination__title">'
        '<span class="pagination__title-h">Read other posts</span><hr /></div><div class="pagination__buttons">'
        f'<span class="button previous"><a href="{HUGO}/posts/council-meets/"><span class="button__icon">←</span>'
        '<span class="button__text">Council meets on Monday</span></a></span>'
        f'<span class="button next"><a href="{HUGO}/posts/bridge-works/"><span class="button__text">Bridge works '
        'start</span>'
        '<span class="button__icon">→</span></a></span></div></div>'
    )
    main = (
        '<article class="post"><h1 class="post-title"><a href="/posts/cycling/">New cycling plan</a></h1>'
        '<div class="post-meta"><time class="post-date">2024-03-12</time></div><div class="post-content"><div>'
        f'{_paragraphs("en")}</div></div>'
        f"{nav}</article>"
    )
    item = _extract(_html(title="New cycling plan", main=main), f"{HUGO}/posts/cycling/")
    assert _links(item) == (f"{HUGO}/posts/council-meets/", f"{HUGO}/posts/bridge-works/")


def test_hugo_loveit_post_nav() -> None:
    nav = (
        '<div class="post-nav">'
        f'<a href="{HUGO}/posts/council-meets/" class="prev" rel="prev" title="Council meets"><i class="fas '
        'fa-angle-left fa-fw" aria-hidden="true"></i>Council meets</a>'
        f'<a href="{HUGO}/posts/bridge-works/" class="next" rel="next" title="Bridge works start">Bridge works '
        'start<i class="fas fa-angle-right fa-fw" aria-hidden="true"></i></a>'
        "</div>"
    )
    main = (
        '<article class="page single"><h1 class="single-title">New cycling plan</h1><div class="content" '
        f'id="content">{_paragraphs("en")}</div>'
        '<div class="post-footer" id="post-footer"><div class="post-info-more"><section class="post-tags"></section>'
        '<section>'
        '<span><a href="javascript:void(0);" onclick="window.history.back();">Back</a></span>&nbsp;|&nbsp;<span><a '
        'href="/">Home</a></span>'
        f"</section></div>{nav}</div></article>"
    )
    item = _extract(_html(title="New cycling plan", main=main), f"{HUGO}/posts/cycling/")
    assert _links(item) == (f"{HUGO}/posts/council-meets/", f"{HUGO}/posts/bridge-works/")


# Bootstrap 3's pager, as Beautiful Hugo printed it (and Beautiful Jekyll, and many
# Bootstrap themes): ul.pager > li.previous / li.next, labelled links, no numbers.
@pytest.mark.parametrize(
    ("lang", "prev_label", "next_label"),
    [("en", "Previous Post", "Next Post"), ("de", "Letzter Post", "Nächster Post")],
)
def test_bootstrap_pager_is_post_navigation(lang: str, prev_label: str, next_label: str) -> None:
    nav = (
        '<ul class="pager blog-pager">'
        f'<li class="previous"><a href="{HUGO}/post/council-meets/" data-toggle="tooltip" data-placement="top" '
        f'title="Council meets">&larr; {prev_label}</a></li>'
        f'<li class="next"><a href="{HUGO}/post/bridge-works/" data-toggle="tooltip" data-placement="top" '
        f'title="Bridge works start">{next_label} &rarr;</a></li>'
        "</ul>"
    )
    main = (
        '<div class="container" role="main"><div class="row"><div class="col-lg-8 col-lg-offset-2 col-md-10 '
        'col-md-offset-1">'
        f'<article role="main" class="blog-post">{_paragraphs(lang)}</article>{nav}</div></div></div>'
    )
    item = _extract(_html(lang=lang, title="Neuer Radplan", main=main), f"{HUGO}/post/cycling/")
    assert _links(item) == (f"{HUGO}/post/council-meets/", f"{HUGO}/post/bridge-works/")


# --- Jekyll ---------------------------------------------------------------------------------

JEKYLL = "https://jekyll.example.io"


def _minimal_mistakes(lang: str, previous: str, nxt: str, *, has_next: bool) -> str:
    next_link = (
        f'<a href="/2024/03/bridge-works/" class="pagination--pager" title="Bridge works start">{nxt}</a>'
        if has_next
        else f'<a href="#" class="pagination--pager disabled">{nxt}</a>'
    )
    return (
        '<div id="main" role="main"><div class="sidebar sticky"><div class="author__content"><h3 '
        'class="author__name">Jane</h3></div></div>'
        '<article class="page" itemscope itemtype="https://schema.org/CreativeWork">'
        '<meta itemprop="headline" content="New cycling plan"><div class="page__inner-wrap">'
        '<header><h1 id="page-title" class="page__title" itemprop="headline">New cycling plan</h1></header>'
        f'<section class="page__content" itemprop="text">{_paragraphs(lang)}</section>'
        '<footer class="page__meta"><p class="page__taxonomy"><strong>Tags:</strong> <a href="/tags/#city" '
        'class="page__taxonomy-item">city</a></p></footer>'
        '<nav class="pagination">'
        f'<a href="/2024/03/council-meets/" class="pagination--pager" title="Council meets">{previous}</a>{next_link}'
        "</nav></div></article>"
        '<div class="page__related"><h4 class="page__related-title">You May Also Enjoy</h4><div class="grid__wrapper">'
        '<div class="grid__item"><article class="archive__item"><h2 class="archive__item-title"><a '
        'href="/2024/01/tram/" rel="permalink">Newer trams arrive</a></h2></article></div>'
        '<div class="grid__item"><article class="archive__item"><h2 class="archive__item-title"><a '
        'href="/2024/01/next-steps/" rel="permalink">Next steps</a></h2></article></div>'
        "</div></div></div>"
    )


@pytest.mark.parametrize(
    ("lang", "previous", "nxt"),
    [("en", "Previous", "Next"), ("ko", "이전", "다음"), ("de", "Vorherige", "Nächste"), ("fr", "Précédent", "Suivant"),
     ("es", "Anterior", "Siguiente"), ("zh", "向前", "向后"), ("zh", "較舊", "較新")],
)
def test_jekyll_minimal_mistakes_pagination_pager(lang: str, previous: str, nxt: str) -> None:
    main = _minimal_mistakes(lang, previous, nxt, has_next=True)
    html = _html(lang=lang, title="New cycling plan", main=main, sidebar="")
    item = _extract(html, f"{JEKYLL}/2024/03/new-cycling-plan/")
    assert _links(item) == (f"{JEKYLL}/2024/03/council-meets/", f"{JEKYLL}/2024/03/bridge-works/")


def test_jekyll_minimal_mistakes_newest_post_has_a_disabled_next() -> None:
    html = _html(title="New cycling plan", main=_minimal_mistakes("en", "Previous", "Next", has_next=False), sidebar="")
    item = _extract(html, f"{JEKYLL}/2024/03/new-cycling-plan/")
    assert _links(item) == (f"{JEKYLL}/2024/03/council-meets/", None)


def test_jekyll_minima_prints_no_post_navigation() -> None:
    main = (
        '<div class="wrapper"><article class="post h-entry" itemscope itemtype="http://schema.org/BlogPosting">'
        '<header class="post-header"><h1 class="post-title p-name" itemprop="name headline">New cycling plan</h1>'
        '<p class="post-meta"><time class="dt-published" datetime="2024-03-12T09:00:00+00:00" '
        'itemprop="datePublished">Mar 12, 2024</time></p></header>'
        f'<div class="post-content e-content" itemprop="articleBody">{_paragraphs("en")}</div>'
        '<a class="u-url" href="/2024/03/12/new-cycling-plan.html" hidden></a></article></div>'
    )
    item = _extract(_html(title="New cycling plan", main=main), f"{JEKYLL}/2024/03/12/new-cycling-plan.html")
    assert _links(item) == (None, None)


# --- Ghost ----------------------------------------------------------------------------------

GHOST = "https://ghost.example.com"


def test_ghost_casper_read_more_cards_are_not_navigation() -> None:
    cards = "".join(
        f'<article class="post-card post"><a class="post-card-image-link" href="/{slug}/"><img '
        f'class="post-card-image" src="/content/images/{slug}.jpg" alt="{title}"></a>'
        f'<div class="post-card-content"><a class="post-card-content-link" href="/{slug}/"><header '
        'class="post-card-header">'
        f'<h2 class="post-card-title">{title}</h2></header><div class="post-card-excerpt">A short excerpt.</div></a>'
        '</div></article>'
        for slug, title in (
            ("next-steps", "Next steps for the garden"),
            ("older-bikes", "Older bikes"),
            ("tram", "Previous tram lines"),
        )
    )
    main = (
        '<article class="article post"><header class="article-header gh-canvas"><h1 class="article-title">New '
        'cycling plan</h1></header>'
        f'<section class="gh-content gh-canvas">{_paragraphs("en")}</section></article>'
        f'<aside class="read-more-wrap outer"><div class="read-more inner">{cards}</div></aside>'
    )
    item = _extract(_html(title="New cycling plan", main=main, sidebar=""), f"{GHOST}/new-cycling-plan/")
    assert _links(item) == (None, None)


def test_ghost_dawn_icon_only_navigation() -> None:
    footer = (
        '<footer class="single-footer kg-width-normal"><div class="single-footer-left"><div class="navigation '
        'navigation-previous">'
        f'<a class="navigation-link" href="{GHOST}/council-meets/"><i class="icon icon-arrow-left navigation-icon">'
        '</i></a></div></div>'
        '<div class="single-footer-middle"><div class="single-footer-top"><h3 class="single-footer-title">Published '
        'by:</h3>'
        '<div class="author-list"><div class="author-image-placeholder u-placeholder square"><a href="/author/jane/" '
        'title="Jane"><img class="author-image" src="/jane.jpg" alt="Jane"></a></div></div></div>'
        '<div class="single-footer-bottom"><div class="share"><a class="share-link share-link-facebook" '
        'href="https://www.facebook.com/sharer.php?u=x" target="_blank" rel="noopener noreferrer"><i class="icon '
        'icon-facebook"></i>Share</a></div></div></div>'
        '<div class="single-footer-right"><div class="navigation navigation-next">'
        f'<a class="navigation-link" href="{GHOST}/bridge-works/"><i class="icon icon-arrow-right navigation-icon">'
        '</i></a></div></div></footer>'
    )
    main = (
        '<div class="content-area"><main class="site-main"><article class="single post kg-width-narrow">'
        '<header class="single-header"><h1 class="single-title">New cycling plan</h1></header>'
        f'<div class="single-content u-text-format">{_paragraphs("en")}</div>{footer}</article></main></div>'
    )
    item = _extract(_html(title="New cycling plan", main=main, sidebar=""), f"{GHOST}/new-cycling-plan/")
    assert _links(item) == (f"{GHOST}/council-meets/", f"{GHOST}/bridge-works/")


# --- Blogger --------------------------------------------------------------------------------

BLOGGER = "https://cycling-notes.blogspot.com"


def _blogger(pager: str) -> str:
    return (
        '<div class="main-inner"><div class="column-center-inner"><div class="main section" id="main">'
        '<div class="widget Blog" data-version="1" id="Blog1"><div class="blog-posts hfeed">'
        '<div class="date-outer"><h2 class="date-header"><span>Tuesday, March 12, 2024</span></h2><div '
        'class="date-posts">'
        '<div class="post-outer"><div class="post hentry uncustomized-post-template" itemprop="blogPost">'
        '<h3 class="post-title entry-title" itemprop="name">New cycling plan</h3>'
        '<div class="post-body entry-content" id="post-body-1" itemprop="description articleBody">'
        f'{_paragraphs("en")}</div>'
        '<div class="post-footer"><div class="post-footer-line post-footer-line-1"><span class="post-author vcard">'
        'Posted by '
        '<span class="fn" itemprop="author">Jane</span></span></div></div></div></div></div></div></div>'
        f"{pager}"
        '<div class="clear"></div><div class="blog-feeds"><div class="feed-links">Subscribe to: '
        f'<a class="feed-link" href="{BLOGGER}/feeds/posts/default" target="_blank" type="application/atom+xml">Post '
        'Comments (Atom)</a></div></div>'
        "</div></div></div></div>"
    )


def test_blogger_blog_pager() -> None:
    pager = (
        "<div class='blog-pager' id='blog-pager'>"
        "<span id='blog-pager-newer-link'>"
        f"<a class='blog-pager-newer-link' href='{BLOGGER}/2024/03/bridge-works.html' "
        "id='Blog1_blog-pager-newer-link' title='Newer Post'>Newer Post</a>"
        "</span><span id='blog-pager-older-link'>"
        f"<a class='blog-pager-older-link' href='{BLOGGER}/2024/03/council-meets.html' "
        "id='Blog1_blog-pager-older-link' title='Older Post'>Older Post</a>"
        f"</span><a class='home-link' href='{BLOGGER}/'>Home</a></div>"
    )
    sidebar = (
        '<div class="widget BlogArchive" id="BlogArchive1"><h2>Blog Archive</h2><ul class="hierarchy">'
        f'<li class="archivedate expanded"><a class="post-count-link" href="{BLOGGER}/2024/">2024</a> <span '
        'class="post-count">(12)</span></li></ul></div>'
    )
    html = _html(title="New cycling plan", main=_blogger(pager), sidebar=sidebar)
    item = _extract(html, f"{BLOGGER}/2024/03/new-cycling-plan.html")
    # "Older" counts as previous.
    assert _links(item) == (f"{BLOGGER}/2024/03/council-meets.html", f"{BLOGGER}/2024/03/bridge-works.html")


def test_blogger_mobile_pager_arrows_only() -> None:
    pager = (
        "<div class='blog-pager' id='blog-pager'>"
        "<div class='mobile-link-button' id='blog-pager-newer-link'>"
        f"<a class='blog-pager-newer-link' href='{BLOGGER}/2024/03/bridge-works.html?m=1' "
        "id='Blog1_blog-pager-newer-link' title='Newer Post'>&lsaquo;</a></div>"
        "<div class='mobile-link-button' id='blog-pager-older-link'>"
        f"<a class='blog-pager-older-link' href='{BLOGGER}/2024/03/council-meets.html?m=1' "
        "id='Blog1_blog-pager-older-link' title='Older Post'>&rsaquo;</a></div>"
        f"<div class='mobile-link-button' id='blog-pager-home-link'><a class='home-link' href='{BLOGGER}/?m=1'>"
        "Home</a></div>"
        f"<div class='mobile-desktop-link'><a class='home-link' href='{BLOGGER}/2024/03/new-cycling-plan.html?m=0'>"
        "View web version</a></div></div>"
    )
    html = _html(title="New cycling plan", main=_blogger(pager), sidebar="")
    item = _extract(html, f"{BLOGGER}/2024/03/new-cycling-plan.html?m=1")
    assert _links(item) == (f"{BLOGGER}/2024/03/council-meets.html?m=1", f"{BLOGGER}/2024/03/bridge-works.html?m=1")


# --- Tistory --------------------------------------------------------------------------------

TISTORY = "https://cycling.tistory.com"
# The skin's <s_article_related> block ("same category" posts): a list, not navigation.
TISTORY_RELATED = (
    '<nav class="related"><h3>카테고리의 다른 글</h3><ul>'
    f'<li><a href="{TISTORY}/40"><span class="t">다음 주 자전거 행사 일정</span><time>2024.03.01</time></a></li>'
    f'<li><a href="{TISTORY}/39"><span class="t">이전 노선 폐지 안내</span><time>2024.02.20</time></a></li>'
    "</ul></nav>"
)


def _tistory(nav: str) -> str:
    return (
        '<div id="content"><div class="article_header"><h2 class="title_post">새 자전거 계획</h2>'
        '<span class="date">2024. 3. 12. 09:00</span></div>'
        '<div class="entry-content"><div class="tt_article_useless_p_margin contents_style">'
        f'{_paragraphs("ko")}</div></div>'
        f"{TISTORY_RELATED}{nav}</div>"
    )


def test_tistory_post_nav_labels() -> None:
    nav = (
        '<nav class="post-nav">'
        f'<a class="post-nav-prev" href="{TISTORY}/41"><span class="post-nav-label">이전 글</span><span '
        'class="post-nav-title">시의회 월요일 회의</span></a>'
        f'<a class="post-nav-next" href="{TISTORY}/43"><span class="post-nav-label">다음 글</span><span '
        'class="post-nav-title">다리 공사 시작</span></a>'
        "</nav>"
    )
    item = _extract(_html(lang="ko", title="새 자전거 계획", main=_tistory(nav)), f"{TISTORY}/42")
    assert _links(item) == (f"{TISTORY}/41", f"{TISTORY}/43")


def test_tistory_adjacent_prev_next_classes() -> None:
    # <a href="[##_article_prev_link_##]" class="prev [##_article_prev_type_##]">: the
    # title is the link's only text.
    nav = (
        '<nav class="adjacent">'
        f'<a href="{TISTORY}/41" class="prev text_type"><span>시의회 월요일 회의</span></a>'
        f'<a href="{TISTORY}/43" class="next thumb_type"><img src="https://img1.daumcdn.net/thumb/x.jpg" alt="">'
        '<span>다리 공사 시작</span></a>'
        "</nav>"
    )
    item = _extract(_html(lang="ko", title="새 자전거 계획", main=_tistory(nav)), f"{TISTORY}/42")
    assert _links(item) == (f"{TISTORY}/41", f"{TISTORY}/43")


# --- Korean boards ----------------------------------------------------------------------------


def test_rhymix_xedition_document_with_the_board_list_has_no_links() -> None:
    # No bundled Rhymix board skin prints 이전글/다음글; the list below the document has
    # a.direction.prev / a.direction.next (first / last page) around the page numbers.
    base = "https://xe.example.kr"
    rows = "".join(
        f'<tr><td class="no">{n}</td><td class="title"><a href="{base}/free/{n}">다음 모임 공지 {n}</a></td>'
        f'<td class="author"><a href="#popup_menu_area" class="member_4" onclick="return false">회원{n}</a></td><td '
        f'class="time">2024.03.{n % 28 + 1:02d}</td></tr>'
        for n in range(4830, 4820, -1)
    )
    main = (
        '<div class="board"><div class="board_read"><div class="read_header">'
        '<h1><a href="/free/4823">새 자전거 계획</a></h1>'
        '<p class="meta"><a href="#popup_menu_area" class="author member_4" onclick="return false">관리자</a>'
        '<span class="time">2024.03.12 09:00</span></p></div><div class="read_body">'
        f'<div class="document_4823_4 rhymix_content xe_content">{_paragraphs("ko")}</div></div></div>'
        '<div class="board_list" id="board_list"><table width="100%" border="1" cellspacing="0"><tbody>'
        f'{rows}</tbody></table></div>'
        '<div class="list_footer"><div class="pagination">'
        f'<a href="{base}/free" class="direction prev"><i class="xi-angle-left"></i>&nbsp;첫 페이지</a> '
        f'<strong>1</strong> <a href="{base}/free?page=2">2</a> <a href="{base}/free?page=3">3</a>'
        f'<a href="{base}/free?page=57" class="direction next">끝 페이지&nbsp;<i class="xi-angle-right"></i></a></div>'
        '</div></div>'
    )
    head = '<meta name="generator" content="Rhymix">'
    item = _extract(_html(lang="ko", title="새 자전거 계획", main=main, head=head, sidebar=""), f"{base}/free/4823")
    assert item.profile == "rhymix"
    assert _links(item) == (None, None)


def test_gnuboard_basic_skin_previous_is_the_newer_post() -> None:
    base = "https://bbs.example.kr/bbs/board.php"
    main = (
        '<article id="bo_v"><header><h2 id="bo_v_title"><span class="bo_v_tit">새 자전거 계획</span></h2></header>'
        '<section id="bo_v_info"><h2>페이지 정보</h2><span class="sv_member">관리자</span>'
        '<strong class="if_date">작성일 24-03-12 09:00</strong></section>'
        '<section id="bo_v_atc"><h2 id="bo_v_atc_title">본문</h2>'
        f'<div id="bo_v_con">{_paragraphs("ko")}</div></section>'
        '<div id="bo_v_top"><ul class="bo_v_nb">'
        f'<li class="btn_prv"><a href="{base}?bo_table=free&amp;wr_id=43&amp;page=2"><i class="fa fa-caret-left" '
        'aria-hidden="true"></i> 이전글</a></li>'
        f'<li><a href="{base}?bo_table=free&amp;page=2" class="btn_list"><i class="fa fa-list" aria-hidden="true">'
        '</i>  목록</a></li>'
        f'<li class="btn_next"><a href="{base}?bo_table=free&amp;wr_id=41&amp;page=2">다음글 <i class="fa '
        'fa-caret-right" aria-hidden="true"></i></a></li>'
        "</ul></div></article>"
        '<nav class="pg_wrap"><span class="pg"><a href="?bo_table=free&amp;page=1" class="pg_page pg_start">처음</a>'
        '<strong class="pg_current">2</strong><a href="?bo_table=free&amp;page=3" class="pg_page">3</a>'
        '<a href="?bo_table=free&amp;page=4" class="pg_page pg_next">다음</a></span></nav>'
    )
    html = _html(lang="ko", title="새 자전거 계획", main=main, sidebar="")
    item = _extract(html, f"{base}?bo_table=free&wr_id=42&page=2")
    assert _links(item) == (f"{base}?bo_table=free&wr_id=43&page=2", f"{base}?bo_table=free&wr_id=41&page=2")


# --- SPIP -----------------------------------------------------------------------------------

SPIP = "https://spip.example.fr"


def _spip(after_text: str, *, aside_pagination: str = "") -> str:
    on = ' class="on"'
    same_rubrique = "".join(
        f'<li><a href="{SPIP}/spip.php?article{n}"{on if n == 12 else ""}>{t}</a></li>'
        for n, t in ((14, "Le conseil de quartier"), (13, "Les travaux du pont"), (12, "Le nouveau plan vélo"),
                     (11, "Précédent mandat : le bilan"))
    )
    return (
        '<div class="main"><div class="wrapper hfeed"><div class="content hentry" id="content">'
        f'<p class="arbo"><a href="{SPIP}/">Accueil</a> &gt; <a href="{SPIP}/spip.php?rubrique3">Ville</a> &gt; '
        '<strong class="on">Le nouveau plan vélo</strong></p>'
        '<div class="cartouche clearfix"><h1 class="surlignable">Le nouveau plan vélo</h1>'
        '<p class="info-publi"><abbr class="published" title="2024-03-12T09:00:00Z">mardi 12 mars 2024</abbr></p></div>'
        f'<div class="texte surlignable clearfix">{_paragraphs("fr")}</div>{after_text}</div></div>'
        '<div class="aside"><div class="menu"><h2>Dans la même rubrique</h2>'
        f"<ul>{same_rubrique}</ul>{aside_pagination}</div></div></div>"
    )


def test_spip_dist_article_prints_no_navigation() -> None:
    # SPIP's own pagination of a list (#PAGINATION: span.on for the current page,
    # a.lien_pagination for the others) is a list's paging, not post navigation.
    pagination = (
        '<p class="pagination"><span class="on">1</span>&nbsp;| '
        f'<a href="{SPIP}/spip.php?article12&amp;debut_articles_rubrique=10#pagination_articles_rubrique" '
        'class="lien_pagination">2</a>&nbsp;| '
        f'<a href="{SPIP}/spip.php?article12&amp;debut_articles_rubrique=10#pagination_articles_rubrique" '
        'class="lien_pagination">suivant</a></p>'
    )
    html = _html(lang="fr", title="Le nouveau plan vélo", main=_spip("", aside_pagination=pagination), sidebar="")
    item = _extract(html, f"{SPIP}/spip.php?article12")
    assert _links(item) == (None, None)


def test_spip_article_precedent_suivant() -> None:
    # The {age_relatif} loops of SPIP's documentation ("Article suivant: #TITRE"),
    # printed as links.
    nav = (
        '<div class="navigation-articles">'
        f'<p class="precedent"><a href="{SPIP}/spip.php?article11">Article précédent : Le bilan du mandat</a></p>'
        f'<p class="suivant"><a href="{SPIP}/spip.php?article13">Article suivant : Les travaux du pont</a></p></div>'
    )
    html = _html(lang="fr", title="Le nouveau plan vélo", main=_spip(nav), sidebar="")
    item = _extract(html, f"{SPIP}/spip.php?article12")
    assert _links(item) == (f"{SPIP}/spip.php?article11", f"{SPIP}/spip.php?article13")


# --- Drupal ---------------------------------------------------------------------------------

DRUPAL = "https://drupal.example.org"


def _drupal(nav: str) -> str:
    return (
        '<div class="layout-content"><article role="article" class="node node--type-book node--view-mode-full">'
        '<h1 class="page-title"><span class="field field--name-title">Chapter 2: Routes</span></h1>'
        '<div class="node__content"><div class="clearfix text-formatted field field--name-body">'
        f'{_paragraphs("en")}</div>'
        f"{nav}</div></article></div>"
    )


def test_drupal_book_navigation_classy() -> None:
    nav = (
        '<nav id="book-navigation-7" class="book-navigation" role="navigation" aria-labelledby="book-label-7">'
        '<h2 class="visually-hidden" id="book-label-7">Book traversal links for City cycling guide</h2><ul '
        'class="book-pager">'
        f'<li class="book-pager__item book-pager__item--previous"><a href="{DRUPAL}/book/chapter-1" rel="prev" '
        'title="Go to previous page"><b>‹</b> Chapter 1: Basics</a></li>'
        f'<li class="book-pager__item book-pager__item--center"><a href="{DRUPAL}/book/city-cycling" title="Go to '
        'parent page">Up</a></li>'
        f'<li class="book-pager__item book-pager__item--next"><a href="{DRUPAL}/book/chapter-3" rel="next" title="Go '
        'to next page">Chapter 3: Parking <b>›</b></a></li>'
        "</ul></nav>"
    )
    item = _extract(_html(title="Chapter 2: Routes", main=_drupal(nav)), f"{DRUPAL}/book/chapter-2")
    assert _links(item) == (f"{DRUPAL}/book/chapter-1", f"{DRUPAL}/book/chapter-3")


def test_drupal_book_navigation_page_links_and_the_comment_pager() -> None:
    # book-navigation.tpl.php (Drupal 6/7): no rel, a.page-previous / a.page-next whose
    # text is the title; the node's comments have Drupal's list pager below.
    nav = (
        '<div id="book-navigation-7" class="book-navigation"><ul class="menu"><li class="leaf first last">'
        f'<a href="{DRUPAL}/book/chapter-2/section">A section</a></li></ul><div class="page-links clearfix">'
        f'<a href="{DRUPAL}/book/chapter-1" class="page-previous" title="Go to previous page">‹ Chapter 1: Basics</a>'
        f'<a href="{DRUPAL}/book/city-cycling" class="page-up" title="Go to parent page">up</a>'
        f'<a href="{DRUPAL}/book/chapter-3" class="page-next" title="Go to next page">Chapter 3: Parking ›</a></div>'
        '</div>'
    )
    pager = (
        '<div id="comments" class="comment-wrapper"><h2 class="title">Comments</h2><div class="item-list"><ul '
        'class="pager">'
        '<li class="pager-current first">1</li><li class="pager-item"><a title="Go to page 2" '
        f'href="{DRUPAL}/book/chapter-2?page=1">2</a></li>'
        f'<li class="pager-next"><a title="Go to next page" href="{DRUPAL}/book/chapter-2?page=1">next ›</a></li>'
        f'<li class="pager-last last"><a title="Go to last page" href="{DRUPAL}/book/chapter-2?page=1">last »</a>'
        '</li></ul></div></div>'
    )
    item = _extract(_html(title="Chapter 2: Routes", main=_drupal(nav) + pager), f"{DRUPAL}/book/chapter-2")
    assert _links(item) == (f"{DRUPAL}/book/chapter-1", f"{DRUPAL}/book/chapter-3")


# --- what is not post navigation ------------------------------------------------------------

GENERIC = "https://news.example.com"


def _plain_article(lang: str = "en", after: str = "") -> str:
    return (
        '<article class="post"><h1 class="entry-title">New cycling plan</h1>'
        f'<div class="entry-content">{_paragraphs(lang)}</div>{after}</article>'
    )


def test_sidebar_of_next_looking_titles_and_widgets_is_not_navigation() -> None:
    sidebar = (
        RECENT
        + '<section class="widget"><h2>다른 글</h2><ul>'
        f'<li><a href="{GENERIC}/2024/02/a">다음 주 일정 안내</a></li>'
        f'<li><a href="{GENERIC}/2024/02/b">이전 정부의 정책</a></li>'
        f'<li><a href="{GENERIC}/2024/02/c">次の一手</a></li>'
        f'<li><a href="{GENERIC}/2024/02/d">上一代产品回顾</a></li></ul>'
        '</section>'
        '<section class="widget"><div class="slider"><a class="prev" href="#slide-1">‹</a><a class="next" '
        'href="#slide-2">›</a></div>'
        f'<div class="gallery"><a class="next" href="{GENERIC}/wp-content/uploads/2024/03/bridge.jpg">Next</a></div>'
        '</section>'
        f'<section class="widget"><div class="widget-pager"><a href="{GENERIC}/?paged=2">Older entries</a>'
        f'<a href="{GENERIC}/?paged=2">Next »</a></div></section>'
    )
    html = _html(title="New cycling plan", main=_plain_article(), sidebar=sidebar)
    item = _extract(html, f"{GENERIC}/2024/03/new-cycling-plan/")
    assert _links(item) == (None, None)


def test_list_pagination_on_an_article_page_is_not_navigation() -> None:
    # paginate_links() in WordPress's pagination markup, and a Bootstrap 4 .pagination,
    # both with page numbers (a related-posts list paged on the article page).
    wp_numbers = (
        '<nav class="navigation pagination" aria-label="Posts"><h2 class="screen-reader-text">Posts navigation</h2>'
        '<div class="nav-links">'
        f'<a class="prev page-numbers" href="{GENERIC}/2024/03/new-cycling-plan/?rp=1">Previous</a>'
        f'<a class="page-numbers" href="{GENERIC}/2024/03/new-cycling-plan/?rp=1"><span class="meta-nav '
        'screen-reader-text">Page </span>1</a>'
        '<span aria-current="page" class="page-numbers current"><span class="meta-nav screen-reader-text">Page '
        '</span>2</span>'
        f'<a class="page-numbers" href="{GENERIC}/2024/03/new-cycling-plan/?rp=3"><span class="meta-nav '
        'screen-reader-text">Page </span>3</a>'
        f'<a class="next page-numbers" href="{GENERIC}/2024/03/new-cycling-plan/?rp=3">Next</a></div></nav>'
    )
    bootstrap = (
        '<nav aria-label="Page navigation"><ul class="pagination">'
        f'<li class="page-item"><a class="page-link" href="{GENERIC}/related?p2=1">Previous</a></li>'
        f'<li class="page-item"><a class="page-link" href="{GENERIC}/related?p2=1">1</a></li>'
        f'<li class="page-item active" aria-current="page"><span class="page-link">2</span></li>'
        f'<li class="page-item"><a class="page-link" href="{GENERIC}/related?p2=3">3</a></li>'
        f'<li class="page-item"><a class="page-link" href="{GENERIC}/related?p2=3">Next</a></li></ul></nav>'
    )
    html = _html(title="New cycling plan", main=_plain_article() + wp_numbers + bootstrap)
    item = _extract(html, f"{GENERIC}/2024/03/new-cycling-plan/")
    assert _links(item) == (None, None)


def test_pagination_of_prev_next_list_pages_is_not_navigation() -> None:
    # A .pagination holding only 이전/다음, but to pages of a list (?page=N).
    pager = (
        '<div class="pagination">'
        f'<a href="{GENERIC}/list?page=1">이전</a><a href="{GENERIC}/list?page=3">다음</a></div>'
    )
    item = _extract(_html(lang="ko", title="새 자전거 계획", main=_plain_article("ko") + pager), f"{GENERIC}/news/42")
    assert _links(item) == (None, None)


def test_comment_pages_are_not_navigation() -> None:
    # the_comments_navigation(): .nav-previous / .nav-next of the comment pages. (Read
    # with the shared layers: the wordpress profile's own ".nav-previous a" selector
    # still takes a comment page when the theme prints no post navigation.)
    comments = (
        '<div id="comments" class="comments-area"><h2 class="comments-title">12 thoughts</h2>'
        '<nav class="navigation comment-navigation" aria-label="Comments"><h2 class="screen-reader-text">Comments '
        'navigation</h2>'
        '<div class="nav-links"><div class="nav-previous"><a '
        f'href="{GENERIC}/2024/03/new-cycling-plan/comment-page-1/#comments">Older comments</a></div>'
        f'<div class="nav-next"><a href="{GENERIC}/2024/03/new-cycling-plan/comment-page-3/#comments">Newer '
        'comments</a></div></div></nav></div>'
    )
    html = _html(title="New cycling plan", main=_plain_article() + comments)
    item = _extract(html, f"{GENERIC}/2024/03/new-cycling-plan/comment-page-2/", "generic")
    assert _links(item) == (None, None)


# --- labels ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("« Prev Page Council meets", "prev"),
        ("Next Page » Bridge works start", "next"),
        ("« 이전 페이지 시의회 회의", "prev"),
        ("Vorherige Seite » Titel", "prev"),
        ("Page Précédente Le bilan", "prev"),
        ("Página siguiente » Las obras", "next"),
        ("前のページ 市議会", "prev"),
        ("下一页 » 桥梁工程", "next"),
        ("向前", "prev"),
        ("較新", "next"),
        ("Letzter Post", "prev"),
        ("Article suivant : Les travaux du pont", "next"),
        ("Next Page", None),
        ("이전 페이지로", None),
        ("Previous winners of the photo contest", None),
        ("Next steps for the community garden", None),
    ],
)
def test_theme_labels(label: str, kind: str | None) -> None:
    assert label_kind(label) == kind
