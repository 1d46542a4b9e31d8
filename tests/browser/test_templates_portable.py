"""The UI's templates and scripts must survive the cutover unchanged: templates render in a
plain Jinja2 environment (nothing Flask-only), and scripts get their data only from the API.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest

from web_ui import STATIC_ROOT, TEMPLATES_ROOT, StaticAssets
from web_ui.error_pages import ERROR_PAGE_STATUSES, ERROR_PAGE_TEMPLATE, error_page_context

TEMPLATES = TEMPLATES_ROOT
PAGE_TEMPLATES = {
    "dashboard.html": {},
    "artists.html": {},
    "artist.html": {"artist_id": 7},
    "videos.html": {},
    "video.html": {"video_id": 42},
    "playlists.html": {},
    "playlist.html": {"playlist_id": 3},
    "downloads.html": {},
    "settings.html": {},
    "login.html": {},
    "account.html": {},
}
MODULE_IMPORT = re.compile(r"""^import\s.*?\sfrom\s+["'](?P<path>[^"']+)["'];?$""", re.MULTILINE)
VERSIONED_STATIC_URL = re.compile(
    r"""(?:src|href)="/static/(?P<path>[^"?]+)\?v=(?P<version>[0-9a-f]{12})\""""
)


@pytest.fixture(scope="module")
def plain_jinja() -> jinja2.Environment:
    """What any framework can provide: a file loader, autoescaping and the two helpers."""
    assets = StaticAssets(STATIC_ROOT)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.globals.update(static_url=assets.url, import_map=assets.import_map)
    return environment


def test_every_page_has_a_template() -> None:
    on_disk = {path.name for path in TEMPLATES.glob("*.html")} - {"base.html"}
    assert on_disk == set(PAGE_TEMPLATES) | {ERROR_PAGE_TEMPLATE}


@pytest.mark.parametrize("status", ERROR_PAGE_STATUSES)
def test_error_page_renders_without_flask(plain_jinja: jinja2.Environment, status: int) -> None:
    html = plain_jinja.get_template(ERROR_PAGE_TEMPLATE).render(**error_page_context(status))
    assert f'<p class="error-code">{status}</p>' in html
    assert 'href="/"' in html  # a way back into the product
    referenced = {match["path"] for match in VERSIONED_STATIC_URL.finditer(html)}
    assert {"css/app.css", "js/layout.js"} <= referenced


@pytest.mark.parametrize("name", sorted(PAGE_TEMPLATES))
def test_template_renders_without_flask(plain_jinja: jinja2.Environment, name: str) -> None:
    html = plain_jinja.get_template(name).render(**PAGE_TEMPLATES[name])
    page_module = f"js/{name.removesuffix('.html')}.js"
    referenced = {match["path"]: match["version"] for match in VERSIONED_STATIC_URL.finditer(html)}
    assert page_module in referenced, f"{name} does not load its module {page_module}"
    assert {"css/app.css", "js/layout.js"} <= set(referenced)
    for path, version in referenced.items():
        assert StaticAssets(STATIC_ROOT).version(path) == version
    for key, value in PAGE_TEMPLATES[name].items():
        attribute = "data-" + key.replace("_", "-")
        assert f'{attribute}="{value}"' in html


def test_import_map_points_every_module_at_its_versioned_url() -> None:
    assets = StaticAssets(STATIC_ROOT)
    import_map = str(assets.import_map())
    for module in sorted((STATIC_ROOT / "js").glob("*.js")):
        relative = module.relative_to(STATIC_ROOT).as_posix()
        assert f'"/static/{relative}": "{assets.url(relative)}"' in import_map


def test_version_changes_with_content_and_never_leaves_the_static_root(tmp_path: Path) -> None:
    (tmp_path / "app.js").write_text("export const a = 1;\n")
    assets = StaticAssets(tmp_path)
    first = assets.version("app.js")
    (tmp_path / "app.js").write_text("export const a = 22;\n")
    assert assets.version("app.js") != first
    (tmp_path.parent / "outside.js").write_text("secret")
    assert assets.version("../outside.js") is None
    assert assets.version("/etc/passwd") is None
    assert not assets.is_current("/static/../outside.js", first)


@pytest.mark.parametrize("module", sorted(p.name for p in (STATIC_ROOT / "js").glob("*.js")))
def test_module_imports_resolve_and_data_comes_from_the_api(module: str) -> None:
    source = (STATIC_ROOT / "js" / module).read_text()
    for match in MODULE_IMPORT.finditer(source):
        target = match["path"]
        assert target.startswith("./"), f"{module} imports {target!r}: only local modules"
        assert (STATIC_ROOT / "js" / target).is_file(), f"{module} imports missing {target}"
    if module != "api.js":
        assert "fetch(" not in source, f"{module} must go through api.js"
        assert "XMLHttpRequest" not in source
    # Nothing from the network: no absolute URLs to other hosts in code.
    assert not re.search(r"""["'`]https?://""", source), f"{module} names an external URL"
