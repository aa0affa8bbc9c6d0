"""Write PDFs for the reader tests: CJK text, running headers, page numbers, a TOC, spaced letters."""

from pathlib import Path

from fpdf import FPDF

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")  # Debian fonts-noto-cjk


class _Pdf(FPDF):
    def __init__(self, header_text, footer_format, total_pages_marker):
        super().__init__(format="A4")
        self.header_text, self.footer_format = header_text, footer_format
        self.alias_nb_pages(total_pages_marker)
        self.add_font("cjk", fname=str(CJK_FONT), collection_font_number=2)  # Noto Sans CJK SC
        self.set_auto_page_break(True, margin=25)

    def header(self):
        if self.header_text and self.page_no() > 1:
            self.set_font("cjk", size=9)
            self.cell(0, 8, self.header_text, align="C")
            self.ln(12)

    def footer(self):
        if self.footer_format:
            self.set_y(-18)
            self.set_font("cjk", size=9)
            self.cell(0, 8, self.footer_format.format(n=self.page_no(), total="{nb}"), align="C")


def make_pdf(path: Path, blocks, header: str | None = None, footer: str | None = "- {n} -",
             title: str | None = None, author: str | None = None, spaced: bool = False, size: int = 12) -> Path:
    """Write a PDF of blocks: str = a paragraph (wrapped to the page); ("page",) = a page break;
    ("center", text) = a centred line; ("toc", [(title, page)]) = a table of contents."""
    pdf = _Pdf(header, footer, "{nb}")
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    pdf.add_page()
    pdf.set_font("cjk", size=size)
    for block in blocks:
        if isinstance(block, str):
            text = " ".join(block) if spaced else block
            # A first-line indent of two characters, as Chinese documents are set.
            pdf.set_x(pdf.l_margin + 2 * size * 0.3528)
            pdf.write(size * 0.6, text)
            pdf.ln(size * 0.6)
        elif block[0] == "page":
            pdf.add_page()
        elif block[0] == "center":
            pdf.cell(0, size * 0.8, block[1], align="C", new_x="LMARGIN", new_y="NEXT")
        elif block[0] == "toc":
            for entry, page in block[1]:
                pdf.cell(150, size * 0.6, entry)
                pdf.cell(0, size * 0.6, str(page), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def make_image_pdf(path: Path, pages: int = 2) -> Path:
    """Write a PDF of scanned-looking pages: images only, no text layer."""
    from PIL import Image, ImageDraw

    pdf = FPDF(format="A4")
    image = Image.new("L", (600, 800), 255)
    draw = ImageDraw.Draw(image)
    for y in range(60, 760, 24):
        draw.rectangle((60, y, 540, y + 10), fill=0)  # lines of "print"
    for _ in range(pages):
        pdf.add_page()
        pdf.image(image, x=10, y=10, w=190)
    pdf.output(str(path))
    return path


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
    '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    "word/_rels/document.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rIdH" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>'
    '<Relationship Id="rIdF" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/></Relationships>',
}


def make_word_pdf(folder: Path, paragraphs: list[str], header: str, footer: tuple[str, str] = ("- ", " -")) -> Path:
    """Write a PDF as an office suite sets a Word file: justified, first lines indented two characters,
    a running header and a page-number footer (LibreOffice headless converts a .docx we write)."""
    import subprocess
    import zipfile
    from xml.sax.saxutils import escape

    def paragraph(text: str, centred: bool = False) -> str:
        layout = '<w:jc w:val="center"/>' if centred else '<w:jc w:val="both"/><w:ind w:firstLineChars="200" w:firstLine="480"/>'
        return f'<w:p><w:pPr>{layout}</w:pPr><w:r><w:rPr><w:sz w:val="24"/></w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'

    body = paragraph(paragraphs[0], centred=True) + "".join(paragraph(text) for text in paragraphs[1:])
    section = ('<w:sectPr><w:headerReference w:type="default" r:id="rIdH"/><w:footerReference w:type="default" r:id="rIdF"/>'
               '<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1800" w:bottom="1440" w:left="1800" '
               'w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>')
    parts = dict(_PARTS)
    parts["word/document.xml"] = f'<w:document xmlns:w="{_W}" xmlns:r="{_R}"><w:body>{body}{section}</w:body></w:document>'
    parts["word/header1.xml"] = f'<w:hdr xmlns:w="{_W}">{paragraph(header, centred=True)}</w:hdr>'
    before, after = footer
    parts["word/footer1.xml"] = (f'<w:ftr xmlns:w="{_W}"><w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:t xml:space="preserve">{before}</w:t></w:r>'
                                 f'<w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
                                 f'<w:r><w:t xml:space="preserve">{after}</w:t></w:r></w:p></w:ftr>')
    source = folder / "office.docx"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, xml)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--convert-to", "pdf",
                    "--outdir", str(folder), str(source)], check=True, capture_output=True, timeout=180)
    return folder / "office.pdf"
