#!/usr/bin/python3
"""Marks one symbol-version requirement of an ELF shared library weak (VER_FLG_WEAK), in place.

  weaken_version_need.py LIB VERSION      e.g. libLibTorchSharp.so GLIBCXX_3.4.32

Why: TorchSharp 0.107's glue library (libLibTorchSharp.so) was linked against GCC 13's libstdc++ and so lists
GLIBCXX_3.4.32 among its version needs, only for `std::ios_base_library_init`, a marker symbol GCC 13 references
from <iostream> and nothing calls (the library has no relocation against it). Debian 12's libstdc++ (GCC 12) stops
at GLIBCXX_3.4.30, so the dynamic loader refuses the library. With the requirement weak, glibc's loader accepts a
missing version (dl-version.c skips weak needs) and everything else resolves as before.

eng/speed-vs-peers.sh runs this on the copy in the harness's build output, never on the NuGet package cache. Exits 0
without writing when the flag is already set or the library does not need VERSION; refuses if any relocation refers
to a symbol of that version (then the workaround would not be sound).
"""
import struct, sys

VER_FLG_WEAK = 0x2
SHT_DYNSYM, SHT_GNU_VERNEED, SHT_GNU_VERSYM = 11, 0x6FFFFFFE, 0x6FFFFFFF
SHT_RELA = 4


def main():
    path, version = sys.argv[1], sys.argv[2].encode()
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{path}: not a little-endian ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = []
    for i in range(shnum):
        name, stype, flags, addr, off, size, link, info, align, entsize = struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
        sections.append(dict(type=stype, off=off, size=size, link=link, entsize=entsize))

    def cstr(strtab, offset):
        start = strtab["off"] + offset
        return bytes(data[start:data.index(b"\0", start)])

    verneed = next((s for s in sections if s["type"] == SHT_GNU_VERNEED), None)
    if verneed is None:
        print(f"{path}: no version needs; nothing to do")
        return
    strtab = sections[verneed["link"]]
    found = None
    off = verneed["off"]
    while True:
        vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, off)
        aux = off + vn_aux
        for _ in range(vn_cnt):
            vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
            if cstr(strtab, vna_name) == version:
                found = (aux, vna_flags, vna_other)
            aux += vna_next
        if vn_next == 0:
            break
        off += vn_next
    if found is None:
        print(f"{path}: does not need {version.decode()}; nothing to do")
        return
    aux, flags, index = found

    # Soundness: no relocation may bind a symbol of that version (a weak need would leave it unresolved).
    dynsym = next(s for s in sections if s["type"] == SHT_DYNSYM)
    versym = next(s for s in sections if s["type"] == SHT_GNU_VERSYM)
    dynstr = sections[dynsym["link"]]
    versioned = set()
    for i in range(dynsym["size"] // 24):
        if struct.unpack_from("<H", data, versym["off"] + 2 * i)[0] & 0x7FFF == index:
            versioned.add(i)
    for s in sections:
        if s["type"] == SHT_RELA and s["link"] == sections.index(dynsym):
            for r in range(s["size"] // 24):
                _, r_info, _ = struct.unpack_from("<QQq", data, s["off"] + 24 * r)
                if (r_info >> 32) in versioned:
                    name = cstr(dynstr, struct.unpack_from("<I", data, dynsym["off"] + 24 * (r_info >> 32))[0])
                    sys.exit(f"{path}: a relocation binds {name.decode()}@{version.decode()}; not weakening it")

    if flags & VER_FLG_WEAK:
        print(f"{path}: {version.decode()} already weak")
        return
    struct.pack_into("<H", data, aux + 4, flags | VER_FLG_WEAK)
    open(path, "wb").write(data)
    print(f"{path}: {version.decode()} marked weak (symbols of that version: {len(versioned)}, relocations against them: 0)")


if __name__ == "__main__":
    main()
