import re
from urllib.parse import urlencode

from django import template
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

from statements import links, markup
from statements.parser import INTERPRETER_MARK, STAGE_NOTE

register = template.Library()

FOOTNOTE_MARK = re.compile(r"(?<=\w)\[(\d{1,2})\]")


@register.filter
def count(value):
    """A count with thousands separators ("1,094")."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return value


@register.simple_tag(takes_context=True)
def search_url(context, action: str, name: str = "", value="") -> str:
    """The current search's URL with one change; any change but paging goes back to page 1.

    toggle: add or remove one value of a facet; remove: drop one value; set: replace a parameter;
    clear: drop a parameter; page: go to page `name`; export: every match as format `name`
    (csv, jsonl), without what only a page has (its number and size, the facets' limits).
    """
    # A plain dict of request.GET's own lists, each replaced below, never changed: a page has a
    # hundred of these links, and a QueryDict's copy is deep.
    params = dict(context["request"].GET.lists())
    value = str(value)
    if action == "page":
        params["page"] = [str(name)]
        return f"?{urlencode(params, doseq=True)}"
    params.pop("page", None)
    if action == "export":
        for own in ("page_size", "facet_limit", "facets", "format"):
            params.pop(own, None)
        params["format"] = [str(name)]
        return f"?{urlencode(params, doseq=True)}"
    values = params.get(name, [])
    if action == "toggle":
        params[name] = [v for v in values if v != value] if value in values else [*values, value]
    elif action == "remove":
        params[name] = [v for v in values if v != value]
    elif action == "set":
        params[name] = [value]
    elif action == "clear":
        params.pop(name, None)
    encoded = urlencode(params, doseq=True)
    return f"?{encoded}" if encoded else "?"


@register.filter
def safe_url(value: str) -> str:
    """A stored URL fit to link to (http or https), else "": `{% with url=x|safe_url %}`."""
    return links.safe_url_or_blank(value)


@register.filter
def transcript(paragraph: str) -> SafeString:
    """A paragraph escaped, its sources' markup shown as meant (`markup.render()`), with
    interpretation marks, stage notes and footnote marks set apart."""
    html = markup.render(escape(paragraph))
    html = INTERPRETER_MARK.sub(lambda m: f'<span class="interp">{m.group(0)}</span>', html)
    html = STAGE_NOTE.sub(lambda m: f'<span class="stage">{m.group(0)}</span>', html)
    html = FOOTNOTE_MARK.sub(r'<sup class="footnote">[\1]</sup>', html)
    return mark_safe(html)


@register.filter
def snippet(html: SafeString) -> SafeString:
    """A result's snippet (escaped, its matches marked) with its sources' markup shown as meant:
    a correction struck through stays struck."""
    return mark_safe(markup.render_snippet(conditional_escape(html)))


@register.filter
def urlencode_params(params) -> str:
    """A suggestion's parameters (name: list of values) as a query string."""
    return urlencode({name: values for name, values in params.items() if values}, doseq=True)
