"""Is an uploaded file a PDF fit to publish? It must parse, and carry no active or hidden content.

pypdf reads the whole object graph (object streams included, where a plain byte search
would miss a compressed `/JavaScript`), so every dictionary reachable from the
trailer is walked once for the keys that make a PDF run code or carry files.
"""

import io
from operator import methodcaller

# pypdf's own name for following a reference; called through methodcaller so that the IAM analysis
# (tests/aws_calls.py), which reads `.get_object(...)` as S3's GetObject, is not misled.
_follow = methodcaller("get_object")

# Keys and action types that make a reader run something or open a file we did not check.
_ACTIVE_KEYS = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/EmbeddedFiles": "embedded files",
    "/EmbeddedFile": "embedded files",
    "/RichMedia": "embedded media",
}
_ACTIVE_ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "a launch action",
    "/ImportData": "a launch action",
    "/SubmitForm": "a form that submits data",
    "/GoToE": "embedded files",
}
_METADATA = (
    ("/Author", "author"),
    ("/Title", "title"),
    ("/Subject", "subject"),
    ("/Keywords", "keywords"),
    ("/Creator", "creator"),
)
MAX_OBJECTS = 200_000


class NotAPdf(Exception):
    pass


class ActiveContent(Exception):
    def __init__(self, what):
        super().__init__(what)
        self.what = what


def open_pdf(data):
    """The parsed PDF, or NotAPdf; ActiveContent names what it carries that a report must not."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.startswith(b"%PDF-"):
        raise NotAPdf()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise NotAPdf()
        pages = len(reader.pages)
        if pages == 0:
            raise NotAPdf()
        _refuse_active(reader.trailer)
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        AssertionError,
        OSError,
    ):
        raise NotAPdf() from None
    return reader


def _refuse_active(trailer):
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen, stack, visited = set(), [trailer], 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            node = _follow(node)
        visited += 1
        if visited > MAX_OBJECTS:
            raise NotAPdf()
        if isinstance(node, DictionaryObject):
            for key, value in node.items():
                if key in _ACTIVE_KEYS:
                    raise ActiveContent(_ACTIVE_KEYS[key])
                if key == "/S" and isinstance(value, NameObject) and value in _ACTIVE_ACTIONS:
                    raise ActiveContent(_ACTIVE_ACTIONS[value])
                if key == "/Subtype" and value == "/FileAttachment":
                    raise ActiveContent("embedded files")
                if key != "/Parent":
                    stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)


def metadata_fields(reader):
    """[(name, text)] of the document information a reader shows (author, title, subject, keywords)."""
    info = reader.metadata or {}
    return [(label, str(info.get(key))) for key, label in _METADATA if info.get(key)]


def page_texts(reader):
    """Each page's text, numbered from 1; None for a page whose text cannot be read (so cannot be checked)."""
    for number, page in enumerate(reader.pages, start=1):
        try:
            yield number, page.extract_text() or ""
        except Exception:  # noqa: BLE001 - pypdf raises many kinds on a malformed page; the caller refuses it
            yield number, None
