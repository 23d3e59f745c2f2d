"""The provenance record in XML: an SVG's `<metadata>` and a WebP's XMP packet.

Both hold the record's JSON, escaped, as the text of one element in the studio's own
namespace, so SVG editors and XMP readers keep it untouched; the XMP also carries the
human line as dc:description, which file browsers show.

XML from a file is hostile input. It is read with expat directly (no defusedxml in
the environment, and ElementTree's C parser hides expat's handlers), refusing any
entity declaration or DTD internal subset before it can expand (a "billion laughs"
bomb is refused at its first declaration, in microseconds), never fetching external
entities, reading at most MAX_XML bytes, and collecting at most MAX_TEXT of the
record's text. A plain DOCTYPE line without an internal subset, as Illustrator
writes, is allowed: it declares nothing.
"""

from __future__ import annotations

from pathlib import Path
from xml.parsers import expat
from xml.sax.saxutils import escape

from studio.export.provenance import MAX_TEXT, ExportError, Provenance

NS = "urn:latent-studio:provenance"
TAG = "provenance"
MAX_XML = 64 * 1024 * 1024  # bytes of SVG read at most: a traced digit is ~100 KB
MAX_XMP = 4 * 1024 * 1024
XMP_BEGIN = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
XMP_END = '<?xpacket end="w"?>'


def svg_metadata(provenance: Provenance | None) -> str:
    """The `<metadata>` element an exported SVG carries ("" when there is no record)."""
    if provenance is None:
        return ""
    return (f'<metadata><ls:{TAG} xmlns:ls="{NS}">{escape(provenance.to_json())}'
            f"</ls:{TAG}></metadata>")


def xmp_packet(provenance: Provenance | None) -> bytes | None:
    """An XMP packet with the record and its human line, for a WebP's XMP chunk."""
    if provenance is None:
        return None
    return (f'{XMP_BEGIN}<x:xmpmeta xmlns:x="adobe:ns:meta/">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            f'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            f'xmlns:ls="{NS}"><dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
            f"{escape(provenance.describe())}</rdf:li></rdf:Alt></dc:description>"
            f"<ls:{TAG}>{escape(provenance.to_json())}</ls:{TAG}></rdf:Description>"
            f"</rdf:RDF></x:xmpmeta>{XMP_END}").encode()


def read_svg_record(path: Path) -> str | None:
    """The record's JSON in the SVG at `path`, None when it has none."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_XML + 1)
    except FileNotFoundError as e:
        raise ExportError(f"{path}: no such file") from e
    except OSError as e:
        raise ExportError(f"{path}: could not be read ({e})") from e
    if len(data) > MAX_XML:
        raise ExportError(f"{path}: an SVG over {MAX_XML // 2**20} MB is too large to read")
    return record_in_xml(data, str(path))


def read_xmp_record(xmp: bytes | str, source: str) -> str | None:
    """The record's JSON in an XMP packet (a WebP's), None when it holds none."""
    data = xmp.encode("utf-8") if isinstance(xmp, str) else bytes(xmp)
    if len(data) > MAX_XMP:
        raise ExportError(f"{source}: its XMP metadata is over {MAX_XMP // 2**20} MB")
    return record_in_xml(data.rstrip(b"\x00 \t\r\n"), source)


def record_in_xml(data: bytes, source: str) -> str | None:
    """The text of the first ls:provenance element in `data`; ExportError naming
    `source` for XML that is malformed, declares entities or holds too long a record."""
    found: list[str] = []  # the record's text pieces while inside the element
    state = {"depth": 0, "done": False, "size": 0}

    def start(name: str, attributes: dict) -> None:
        if state["depth"] or (not state["done"] and name == f"{NS} {TAG}"):
            state["depth"] += 1

    def end(name: str) -> None:
        if state["depth"]:
            state["depth"] -= 1
            state["done"] = state["done"] or state["depth"] == 0

    def characters(text: str) -> None:
        if state["depth"] and not state["done"]:
            state["size"] += len(text)
            if state["size"] > MAX_TEXT:
                raise _Refused(f"provenance is longer than {MAX_TEXT} bytes")
            found.append(text)

    def doctype(name: str, system: str | None, public: str | None, internal: int) -> None:
        if internal:
            raise _Refused("declares a DTD internal subset (entities are refused)")

    def entity(*args: object) -> None:
        raise _Refused("declares an XML entity (refused: they can expand without bound)")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.ExternalEntityRefHandler = lambda *args: 0  # never fetched: an error
    try:
        parser.Parse(data, True)
    except _Refused as e:
        raise HostileXMLError(f"{source}: {e}") from None
    except (expat.ExpatError, ValueError) as e:
        raise ExportError(f"{source}: not well-formed XML ({e})") from None
    return "".join(found) if state["done"] else None


class HostileXMLError(ExportError):
    """XML that declares entities or a DTD subset: not to be handed to any parser."""


class _Refused(Exception):
    """Raised from inside expat's handlers to stop the parse at once."""
