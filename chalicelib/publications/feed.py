"""The Atom feed of publications (RFC 4287), with the NSPCC repository's fields.

The national case review repository catalogues year, board, the child's
pseudonym, a summary, the learning, keywords and the link: standard Atom elements
carry what they can (title, summary, category, link), and a small namespace the
rest.
"""

import re

# bandit B405 warns of parsing untrusted XML: this module only writes the feed.
from xml.etree import ElementTree as ET  # nosec B405

ATOM = "http://www.w3.org/2005/Atom"
REPOSITORY = "https://case-review.example/ns/case-review-repository"


# Characters XML 1.0 forbids (C0 controls but tab, CR, LF; lone surrogates; U+FFFE, U+FFFF).
# The schemas refuse them at input; the feed never emits one, whatever is stored.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value):
    return _NOT_XML.sub("", value)


def atom(items, board, base_url, self_url):
    ET.register_namespace("", ATOM)
    ET.register_namespace("cr", REPOSITORY)

    def el(parent, name, text=None, ns=ATOM, **attrs):
        node = ET.SubElement(parent, f"{{{ns}}}{name}", {key: xml_text(value) for key, value in attrs.items()})
        if text is not None:
            node.text = xml_text(text)
        return node

    feed = ET.Element(f"{{{ATOM}}}feed")
    el(feed, "id", f"{base_url}/publications/feed.atom")
    el(feed, "title", f"{board}: case reviews and professionals' leaflets")
    el(feed, "updated", _stamp(max((i.get("published_at") or i["published_on"] for i in items), default=None)))
    el(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    el(feed, "link", rel="alternate", href=f"{base_url}/publications", type="application/json")
    author = el(feed, "author")
    el(author, "name", board)
    for item in items:
        entry = el(feed, "entry")
        el(entry, "id", f"{base_url}/publications/{item['id']}")
        el(entry, "title", item["title"])
        el(entry, "published", _stamp(item["published_on"]))
        el(entry, "updated", _stamp(item.get("replaced_at") or item.get("published_at") or item["published_on"]))
        el(
            entry,
            "link",
            rel="enclosure",
            href=f"{base_url}/publications/{item['id']}/file",
            type="application/pdf",
            length=str(item.get("size_bytes", 0)),
        )
        el(entry, "link", rel="alternate", href=f"{base_url}/publications/{item['id']}", type="application/json")
        el(entry, "summary", item["summary"])
        for keyword in item.get("keywords", []):
            el(entry, "category", term=keyword)
        el(entry, "category", term=item["kind"], scheme=f"{REPOSITORY}#kind")
        el(entry, "year", item["published_on"][:4], ns=REPOSITORY)
        el(entry, "board", board, ns=REPOSITORY)
        el(entry, "pseudonym", item["case_name"], ns=REPOSITORY)
        el(entry, "available_until", item["available_until"], ns=REPOSITORY)
        if item.get("learning"):
            el(entry, "learning", item["learning"], ns=REPOSITORY)
        _repository_fields(el, entry, item)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")).encode("utf-8")


def _repository_fields(el, entry, item):
    """The NSPCC repository's catalogue fields a publisher gave (version 2), as the submission email has them."""
    repository = item.get("repository") or {}
    for name in ("review_type", "age_band", "sex", "recommendations", "author"):
        if repository.get(name):
            el(entry, name, repository[name], ns=REPOSITORY)
    for harm in repository.get("harm_types") or []:
        el(entry, "harm_type", harm, ns=REPOSITORY)
    if repository.get("pseudonym"):
        el(entry, "child_pseudonym", repository["pseudonym"], ns=REPOSITORY)
    if item.get("repository_sent_at"):
        el(entry, "submitted", item["repository_sent_at"], ns=REPOSITORY)


def _stamp(value):
    if not value:
        return "1970-01-01T00:00:00Z"
    return value if "T" in value else f"{value}T00:00:00Z"
