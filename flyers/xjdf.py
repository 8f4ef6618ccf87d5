"""The job ticket as CIP4 XJDF 2.x, for a shop's MIS or DFE to read instead of a person.

One Product per format with its amount (and the over/under tolerance as
MinAmount/MaxAmount), with layout, colour and media intents; cutting, media
and delivery as resources; one part (DropID) per distributor for delivery
and its contact; the run list with one range per layout and its copies, so
copies mode needs no copy count keyed by hand.  Element and attribute names
follow the official schema (cip4/XJDF-Schema xjdf.xsd), which the tests
validate every package against.

A national plan's ticket has a resource per layout and two per distributor
(700,000 elements for 100,000 lines, 400 MB as one lxml tree): those are
made and written one at a time where a marker stands in the document, so the
ticket costs the same memory at any size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import IO, Any

from lxml import etree

from . import __version__
from .orders import Distributor

NS = "http://www.CIP4.org/JDFSchema_2_0"
VERSION = "2.2"
PT = 72.0
COATING = {"gloss": "Gloss", "matte": "Matte", "satin": "Satin", "silk": "Satin", "coated": "Coated",
           "uncoated": "None"}
STOCK_TYPE = {"text": "Text", "cover": "Cover", "card": "Cover"}
DELIVERY = {"ship": ("Standard", "PrinterToBuyerDeliver"), "deliver": ("CompanyDriver", "PrinterToBuyerDeliver"),
            "pickup": (None, "PrinterToBuyerPickup")}


def _e(parent: Any, tag: str, **attrs: Any) -> Any:
    """A child of ``parent`` in its namespace: XJDF's, or none for a resource written on its
    own inside the document's default namespace (see :func:`write_xjdf`)."""
    element = etree.SubElement(parent, f"{{{NS}}}{tag}" if parent.tag.startswith("{") else tag)
    for key, value in attrs.items():
        if value is not None and value != "":
            element.set(key, _text(value))
    return element


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, list | tuple):
        return " ".join(_text(v) for v in value)
    return str(value)


def _product_id(fmt: str) -> str:
    return "P_" + fmt.replace(" ", "_")


def write_xjdf(handle: IO[bytes], job: dict[str, Any], groups: list[Distributor], time: str) -> None:
    """job.xjdf for the ticket ``job`` (job.json's content) and its distributors."""
    root = etree.Element(f"{{{NS}}}XJDF", nsmap={None: NS})
    root.set("JobID", _token(job["name"]))
    root.set("Types", "Product")
    root.set("Version", VERSION)
    root.set("DescriptiveName", f"{job['campaign']} — {job['name']}")
    audit = _e(_e(root, "AuditPool"), "AuditCreated")
    _e(audit, "Header", AgentName="kyr-flyers", AgentVersion=__version__, DeviceID="kyr-flyers", Time=time)
    for question in job.get("open_questions", []):
        _e(root, "Comment", Type="OpenQuestion").text = question
    production = job["production"]
    _products(root, job, production)
    _node_info(root, production)
    streamed: dict[bytes, Callable[[], Iterator[Any]]] = {}
    contacts = _contacts(root, job, production, groups, streamed)
    if production.get("proof_approver"):
        approval = _e(_e(_e(root, "ResourceSet", Name="ApprovalParams", Usage="Input"), "Resource"),
                      "ApprovalParams")
        _e(approval, "ApprovalPerson", ApprovalRole="Obligated", ContactRef=contacts["approver"])
    _media(root, job, production)
    _cutting(root, job)
    _run_list(root, job, streamed)
    _delivery(root, production, groups, job, streamed)
    document = bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    for marker, resources in streamed.items():
        before, document = document.split(marker, 1)
        handle.write(before)
        for resource in resources():
            handle.write(resource if isinstance(resource, bytes)
                         else etree.tostring(resource, encoding="UTF-8", pretty_print=True))
    handle.write(document)


def _stream_here(parent: Any, streamed: dict[bytes, Callable[[], Iterator[Any]]],
                 resources: Callable[[], Iterator[Any]]) -> None:
    """Mark where ``resources`` (made and written one by one) go inside ``parent``."""
    name = f"kyr-stream-{len(streamed)}"
    parent.append(etree.Comment(name))
    streamed[f"<!--{name}-->".encode()] = resources


def _token(text: str) -> str:
    """An NMTOKEN (letters, digits, . - _ :): the orders file's name, made safe."""
    return "".join(c if c.isalnum() or c in ".-_:" else "_" for c in text) or "job"


def _products(root: Any, job: dict[str, Any], production: dict[str, Any]) -> None:
    products = _e(root, "ProductList")
    tolerance = production["tolerance"]
    for entry, spec in zip(job["print_files"], production["print_files"], strict=True):
        amount = entry["pieces"]
        over, under = tolerance.get("overs_percent"), tolerance.get("unders_percent")
        product = _e(products, "Product", ID=_product_id(entry["format"]), IsRoot=True, Amount=amount,
                     MaxAmount=math.floor(amount * (1 + over / 100)) if over is not None else None,
                     MinAmount=math.ceil(amount * (1 - under / 100)) if under is not None else None,
                     ProductType="Flyer" if entry["sides"] == 1 else "BusinessCard",
                     DescriptiveName=f"{entry['format']} {entry['trim_in'][0]:g} x {entry['trim_in'][1]:g} in")
        width, height = (v * PT for v in entry["trim_in"])
        _e(_e(product, "Intent", Name="LayoutIntent"), "LayoutIntent", Bleed=entry["bleed_in"] * PT,
           FinishedDimensions=[width, height, 0.0], Pages=entry["sides"],
           Sides="TwoSidedHeadToHead" if entry["sides"] == 2 else "OneSided")
        colour = _e(_e(product, "Intent", Name="ColorIntent"), "ColorIntent")
        for side in spec["inks"]:
            _e(colour, "SurfaceColor", Surface=side["side"].capitalize(), ColorsUsed=side["inks"])
        stock = spec.get("stock")
        if stock:
            _e(_e(product, "Intent", Name="MediaIntent"), "MediaIntent", **_media_attributes(stock))


def _media_attributes(stock: dict[str, Any]) -> dict[str, Any]:
    return {"MediaType": "Paper", "MediaQuality": stock["name"], "Weight": stock.get("weight_gsm"),
            "Coating": COATING.get(stock.get("finish", "")), "StockType": STOCK_TYPE.get(stock.get("type", "")),
            "Thickness": stock["caliper_in"] * 25400 if stock.get("caliper_in") else None}  # microns


def _node_info(root: Any, production: dict[str, Any]) -> None:
    info = _e(_e(_e(root, "ResourceSet", Name="NodeInfo", Usage="Input"), "Resource"), "NodeInfo")
    if production.get("due"):
        info.set("End", f"{production['due']}T17:00:00Z")  # the day's end of business: when the boxes are due


def _contact(parent: Any, part: dict[str, str], person: dict[str, str] | None, company: str | None,
             address: list[tuple[str, str]] | None = None, ident: str | None = None) -> Any:
    resource = _e(parent, "Resource", ID=ident)
    _e(resource, "Part", **part)
    contact = _e(resource, "Contact")
    if address:
        _e(contact, "Address", **dict(address))
    for kind, key in (("Email", "email"), ("Phone", "phone")):
        if person and person.get(key):
            _e(contact, "ComChannel", ChannelType=kind, Locator=(("mailto:" if kind == "Email" else "tel:")
                                                                 + person[key].replace(" ", "")))
    if company:
        _e(contact, "Company", OrganizationName=company)
    if person:
        _e(contact, "Person", DescriptiveName=person["name"])
    return resource


def _contacts(root: Any, job: dict[str, Any], production: dict[str, Any], groups: list[Distributor],
              streamed: dict[bytes, Callable[[], Iterator[Any]]]) -> dict[str, str]:
    contacts = _e(root, "ResourceSet", Name="Contact", Usage="Input")
    ids = {}
    customer = production.get("contact")
    _contact(contacts, {"ContactType": "Customer"}, customer,
             (customer or {}).get("organisation") or job["campaign"])
    if production.get("proof_approver"):
        ids["approver"] = "C_Approver"
        _contact(contacts, {"ContactType": "Approver"}, production["proof_approver"], None, ident="C_Approver")

    def drops() -> Iterator[Any]:
        for group in groups:
            where = group.ship_to
            address = [(k, v) for k, v in (("Street", where.address), ("City", where.city),
                                           ("Region", where.region), ("PostalCode", where.postal_code),
                                           ("CountryCode", where.country)) if v]
            yield _contact(etree.Element("ResourceSet"), {"ContactType": "Delivery", "DropID": group.id}, None,
                           group.name, address)

    _stream_here(contacts, streamed, drops)
    return ids


def _media(root: Any, job: dict[str, Any], production: dict[str, Any]) -> None:
    media = _e(root, "ResourceSet", Name="Media", Usage="Input")
    for entry, spec in zip(job["print_files"], production["print_files"], strict=True):
        resource = _e(media, "Resource", DescriptiveName=f"press sheet for {entry['path']}")
        _e(resource, "Part", Product=_product_id(entry["format"]))
        attributes = _media_attributes(spec["stock"]) if spec.get("stock") else {"MediaType": "Paper"}
        _e(resource, "Media", Dimension=[v * PT for v in entry["sheet_in"]], MediaUnit="Sheet", **attributes)


def _cutting(root: Any, job: dict[str, Any]) -> None:
    cutting = _e(root, "ResourceSet", Name="CuttingParams", Usage="Input")
    for entry in job["print_files"]:
        resource = _e(cutting, "Resource", DescriptiveName=f"cut {entry['path']} to trim")
        _e(resource, "Part", Product=_product_id(entry["format"]))
        params = _e(resource, "CuttingParams")
        for index, slot in enumerate(entry["slots"], start=1):
            x, y = slot["x_in"] * PT, slot["y_in"] * PT
            w, h = (v * PT for v in (entry["trim_in"] if slot["rotation"] == 0 else entry["trim_in"][::-1]))
            _e(params, "CutBlock", BlockName=f"B{index}", Box=[x, y, x + w, y + h])


def _run_list(root: Any, job: dict[str, Any], streamed: dict[bytes, Callable[[], Iterator[Any]]]) -> None:
    """One range per layout with its copies (copies mode) or the whole file once (sequenced)."""
    runs = _e(root, "ResourceSet", Name="RunList", Usage="Input")

    def resources() -> Iterator[bytes]:
        for entry in job["print_files"]:
            sides, name = entry["sides"], entry["format"]
            ranges = entry.get("sheet_copies") or [{"page": 1, "copies": 1, "distributor_id": None,
                                                     "last": entry["layouts"] * sides}]
            run, product = _attribute(_token(name)).encode(), _attribute(_product_id(name)).encode()
            file = (f'URL="{_attribute(entry["path"])}" MimeType="application/pdf" '
                    f'CheckSum="{_attribute(entry["sha256"])}"').encode()
            for index, item in enumerate(ranges, start=1):
                first = item["page"] - 1
                last = item.get("last", item["page"] + sides - 1) - 1
                drop = item.get("distributor_id")
                yield _RUN % (item["copies"], run, index, product,
                              b' DropID="%s"' % _attribute(drop).encode() if drop else b"",
                              first, last, last - first + 1, file)

    _stream_here(runs, streamed, resources)


# One range of the run list as lxml's pretty printer writes it: a national plan has
# 100,000 of them, and formatting them takes a tenth of building them as elements.
_RUN = (b'<Resource>\n  <AmountPool>\n    <PartAmount Amount="%d"/>\n  </AmountPool>\n'
        b'  <Part Run="%s-%05d" Product="%s"%s/>\n  <RunList Pages="%d %d" NPage="%d">\n'
        b'    <FileSpec %s/>\n  </RunList>\n</Resource>\n')
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
                          "\t": "&#9;"})


def _attribute(value: str) -> str:
    """``value`` escaped as lxml escapes an attribute value."""
    return value.translate(_ESCAPES)


def _delivery(root: Any, production: dict[str, Any], groups: list[Distributor], job: dict[str, Any],
              streamed: dict[bytes, Callable[[], Iterator[Any]]]) -> None:
    delivery = production["delivery"]
    method, transfer = DELIVERY.get(delivery.get("method") or "", (None, None))
    due = f"{production['due']}T17:00:00Z" if production.get("due") else None
    packing = _e(_e(root, "ResourceSet", Name="BoxPackingParams", Usage="Input"), "Resource",
                 DescriptiveName=delivery["packing"])
    _e(packing, "BoxPackingParams", BoxType="Box")
    if job.get("box_labels"):
        labels = _e(_e(_e(root, "ResourceSet", Name="LabelingParams", Usage="Input"), "Resource"), "LabelingParams")
        _e(labels, "FileSpec", URL=job["box_labels"], MimeType="application/pdf")
    drops = _e(root, "ResourceSet", Name="DeliveryParams", Usage="Input")

    def resources() -> Iterator[Any]:
        for group in groups:
            resource = etree.Element("Resource", DescriptiveName=group.name)
            _e(resource, "Part", DropID=group.id)
            params = _e(resource, "DeliveryParams", Method=method, Transfer=transfer, Required=due)
            amounts: dict[str, int] = {}
            for order in group.orders:
                amounts[order.format] = amounts.get(order.format, 0) + order.quantity
            for fmt, amount in amounts.items():
                _e(params, "DropItem", ItemRef=_product_id(fmt), Amount=amount)
            yield resource

    _stream_here(drops, streamed, resources)
