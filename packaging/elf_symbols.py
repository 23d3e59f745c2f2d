"""Read the dynamic symbols of an ELF shared library (64-bit, little-endian: Linux x86-64).

The bundle's trimming steps need two facts binutils prints only as text for people:
where a data symbol's bytes lie in the file (ICU keeps all its data in one symbol), and
which symbols one library takes from another (to stand in for an encoder the studio never
opens). The format is small and fixed, so a reader of ~60 lines beats parsing `nm` output.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

_SHT_DYNAMIC = 6
_SHT_DYNSYM = 11
_SHN_UNDEF = 0
_DT_NEEDED = 1
_DT_SONAME = 14


@dataclass(frozen=True)
class DynamicSymbol:
    name: str
    defined: bool
    offset: int  # where its bytes start in the file (0 when undefined)
    size: int


def is_elf(path: Path) -> bool:
    """Whether `path` is an ELF file (a library, not a script or text beside one)."""
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


def _sections(data: bytes, path: Path) -> list[tuple[int, int, int, int, int]]:
    """(type, addr, offset, size, link) of every section header."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError(f"{path}: not a 64-bit little-endian ELF file")
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    out = []
    for i in range(shnum):
        _name, typ, _flags, addr, offset, size, link = struct.unpack_from(
            "<IIQQQQI", data, shoff + i * shentsize)
        out.append((typ, addr, offset, size, link))
    return out


def dynamic_symbols(path: Path) -> list[DynamicSymbol]:
    """Every named entry of the library's .dynsym, defined or wanted from elsewhere."""
    data = path.read_bytes()
    sections = _sections(data, path)
    symbols = []
    for typ, _addr, offset, size, link in sections:
        if typ != _SHT_DYNSYM:
            continue
        strtab_offset = sections[link][2]
        for entry in range(offset, offset + size, 24):  # Elf64_Sym is 24 bytes
            st_name, _info, _other, shndx, value, st_size = struct.unpack_from(
                "<IBBHQQ", data, entry)
            if st_name == 0:
                continue
            end = data.index(b"\0", strtab_offset + st_name)
            name = data[strtab_offset + st_name:end].decode()
            if shndx == _SHN_UNDEF:
                symbols.append(DynamicSymbol(name, False, 0, 0))
                continue
            if shndx >= len(sections):  # absolute or common: no bytes in a section
                continue
            _t, sec_addr, sec_offset, _s, _l = sections[shndx]
            symbols.append(DynamicSymbol(name, True, value - sec_addr + sec_offset, st_size))
    return symbols


def symbol_bytes(path: Path, name: str) -> bytes:
    """The bytes of one defined data symbol."""
    for sym in dynamic_symbols(path):
        if sym.defined and sym.name == name:
            with path.open("rb") as f:
                f.seek(sym.offset)
                return f.read(sym.size)
    raise KeyError(f"{path}: no defined symbol {name}")


def linked_libraries(path: Path) -> tuple[str, list[str]]:
    """(the library's own name, the libraries it names as needed): its DT_SONAME (the file
    name when it has none) and DT_NEEDED entries, what the dynamic loader follows."""
    data = path.read_bytes()
    sections = _sections(data, path)
    soname, needed = path.name, []
    for typ, _addr, offset, size, link in sections:
        if typ != _SHT_DYNAMIC:
            continue
        strtab_offset = sections[link][2]
        for entry in range(offset, offset + size, 16):  # Elf64_Dyn is 16 bytes
            tag, value = struct.unpack_from("<qQ", data, entry)
            if tag in (_DT_NEEDED, _DT_SONAME):
                end = data.index(b"\0", strtab_offset + value)
                name = data[strtab_offset + value:end].decode()
                if tag == _DT_NEEDED:
                    needed.append(name)
                else:
                    soname = name
    return soname, needed
