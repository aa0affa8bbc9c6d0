"""Read Word 97-2003 (.doc) and WPS Office (.wps) files through LibreOffice, run headless."""

# Kingsoft's .wps extends the Word binary format; LibreOffice reads both (and RTF saved as .doc).
# The converter gets a copy of bytes already read and checked, in a temporary folder of its own,
# so it never opens a corpus path (or where a link leads) itself.

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from indexer.readers.base import Document, UnreadableFile, decode, fold_newlines

CONVERT_TIMEOUT_S = 120
INSTALL_HINT = "install LibreOffice: `sudo apt-get install libreoffice-writer-nogui` (or run `make converters`)"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def converter() -> str | None:
    """Return the LibreOffice command, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_word(data: bytes, path: str, limits) -> list[Document]:
    """Read a .doc or .wps file: its paragraphs, one per line."""
    suffix = os.path.splitext(path)[1].lower()
    if data.startswith(b"PK\x03\x04"):  # a .docx saved under an old suffix
        from indexer.readers.docx import read_docx

        return read_docx(data, path, limits)
    if not data.startswith((_OLE_MAGIC, b"{\\rtf")):
        raise UnreadableFile(f"not a Word 97-2003 or WPS file ({suffix})", "malformed")
    program = converter()
    if program is None:
        raise UnreadableFile(f"no converter for {suffix} files: {INSTALL_HINT}", "no_converter")
    text = _convert(program, data, suffix)
    decoded = decode(text)
    lines = [line.strip() for line in fold_newlines(decoded.text).split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        raise UnreadableFile("no text in document", "empty")
    return [Document(text="\n".join(lines), encoding=decoded.encoding, line_breaks="paragraph")]


def _convert(program: str, data: bytes, suffix: str) -> bytes:
    """Convert a document to UTF-8 text with LibreOffice, in a temporary folder, within a time limit."""
    with tempfile.TemporaryDirectory(prefix="speeches-convert-") as folder:
        folder = Path(folder)
        source = folder / f"document{suffix}"
        source.write_bytes(data)
        out = folder / "out"
        command = [
            program, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
            # A profile of its own: parallel builds must not share (and lock) one.
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(out), str(source),
        ]
        env = dict(os.environ, HOME=str(folder))
        process = subprocess.Popen(command, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            process.wait(timeout=CONVERT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # soffice runs as a launcher and a child
            process.wait()
            raise UnreadableFile(f"the converter took over {CONVERT_TIMEOUT_S} s", "unreadable") from None
        result = out / "document.txt"
        if not result.is_file():
            raise UnreadableFile(f"LibreOffice could not read this {suffix} file", "malformed")
        return result.read_bytes()
