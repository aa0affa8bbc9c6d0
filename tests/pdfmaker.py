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
