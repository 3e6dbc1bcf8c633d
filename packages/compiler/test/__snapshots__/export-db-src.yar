// tgvx export --format yara: 14 of 15 records of the database with content SHA-256 ef3f60d80e3b33095e5ff521d607a236023d78d5b02ee3e3a8639bc088ae8436 (version 1)
// A rule holds where tgvx detects: the first word at the anchor, both CRC-32 windows inside the file, the file types of type 4.
import "hash"
import "pe"

private rule tgvx_type_mzfam {
  condition:
    uint16(0) == 0x5A4D or uint16(0) == 0x4D5A
}

private rule tgvx_type_pesig {
  condition:
    tgvx_type_mzfam and filesize >= 0x40 and uint32(uint32(0x3C)) == 0x4550
}

private rule tgvx_type_pe32 {
  condition:
    tgvx_type_pesig and uint32(0x3C) + 0x58 <= filesize and uint16(uint32(0x3C) + 0x18) == 0x10B
}

private rule tgvx_type_pe64 {
  condition:
    tgvx_type_pesig and uint32(0x3C) + 0x58 <= filesize and uint16(uint32(0x3C) + 0x18) == 0x20B
}

private rule tgvx_type_ne {
  condition:
    tgvx_type_mzfam and filesize >= 0x40 and uint16(uint32(0x3C)) == 0x454E and uint32(0x3C) + 0x34 <= filesize
}

private rule tgvx_type_mz {
  condition:
    tgvx_type_mzfam and not tgvx_type_pe32 and not tgvx_type_pe64 and not tgvx_type_ne
}

private rule tgvx_type_com {
  condition:
    not tgvx_type_mzfam and filesize <= 0xFF00 and (uint8(0) == 0xE9 or uint8(0) == 0xEB)
}

private rule tgvx_type_boot {
  condition:
    not tgvx_type_mzfam and filesize >= 512 and filesize % 512 == 0 and uint16(510) == 0xAA55
}

rule Test_EICAR_68 {
  meta:
    tgvx_id = "0x1"
    tgvx_rev = 1
    tgvx_name = "Test.EICAR.68"
  condition:
    filesize >= 0x44 and uint16(0x0) == 0x3558 and hash.crc32(0x0, 0x20) == 0xB6237C4E and hash.crc32(0x20, 0x24) == 0xCD9B877F
}

rule DOS_Tailgate_A {
  meta:
    tgvx_id = "0x1001"
    tgvx_rev = 1
    tgvx_name = "DOS.Tailgate.A"
  condition:
    tgvx_type_com and (
      (uint8(0) == 0xE9 and for any a in ((3 + int16(1)) & 0xFFFF) : (a >= 0 and a < filesize and a + 0x120 <= filesize and uint16(a) == 0x4754 and hash.crc32(a, 0x40) == 0x04D0DB9C and hash.crc32(a + 0x60, 0xC0) == 0x15099438)) or
      (uint8(0) == 0xEB and for any a in (2 + int8(1)) : (a >= 0 and a < filesize and a + 0x120 <= filesize and uint16(a) == 0x4754 and hash.crc32(a, 0x40) == 0x04D0DB9C and hash.crc32(a + 0x60, 0xC0) == 0x15099438)))
}

// approximate: YARA cannot see file names: COM files that tgvx recognises only by their .com name (no E9/EB jump at offset 0) are not matched
rule DOS_Headstone_A {
  meta:
    tgvx_id = "0x2001"
    tgvx_rev = 1
    tgvx_name = "DOS.Headstone.A"
  condition:
    tgvx_type_com and filesize >= 0x200 and uint16(0x0) == 0x5348 and hash.crc32(0x8, 0x30) == 0xFD7157E7 and hash.crc32(0x100, 0x100) == 0x9CB52E2D
}

rule DOS_Exetail_A {
  meta:
    tgvx_id = "0x3001"
    tgvx_rev = 2
    tgvx_name = "DOS.Exetail.A"
  condition:
    tgvx_type_mz and filesize >= 0x1C and for any a in (uint16(0x08) * 16 + ((uint16(0x16) * 16 + uint16(0x14)) & 0xFFFFF)) : (a >= 0 and a < filesize and a - 0x60 >= 0 and a + 0x180 <= filesize and uint16(a - 0x60) == 0x5445 and hash.crc32(a - 0x10, 0x50) == 0x87E13765 and hash.crc32(a + 0x80, 0x100) == 0xEC152D64)
}

rule Win32_Pesection_A {
  meta:
    tgvx_id = "0x4001"
    tgvx_rev = 2
    tgvx_name = "Win32.Pesection.A"
  condition:
    (tgvx_type_pe32 or tgvx_type_pe64) and for any a in (pe.entry_point) : (a >= 0 and a < filesize and a - 0x100 >= 0 and a + 0x100 <= filesize and uint16(a - 0x100) == 0x5350 and hash.crc32(a - 0xB0, 0x60) == 0x943779D6 and hash.crc32(a + 0x20, 0xE0) == 0x3D96640D)
}

rule Win16_Netail_A {
  meta:
    tgvx_id = "0x5001"
    tgvx_rev = 2
    tgvx_name = "Win16.Netail.A"
  condition:
    tgvx_type_ne and uint16(uint32(0x3C) + 0x16) >= 1 and uint16(uint32(0x3C) + 0x16) <= uint16(uint32(0x3C) + 0x1C) and uint32(0x3C) + uint16(uint32(0x3C) + 0x22) + (uint16(uint32(0x3C) + 0x16) - 1) * 8 + 8 <= filesize and (uint16(uint32(0x3C) + uint16(uint32(0x3C) + 0x22) + (uint16(uint32(0x3C) + 0x16) - 1) * 8) == 0 or uint16(uint32(0x3C) + 0x32) < 64) and
      for any a in ((uint16(uint32(0x3C) + uint16(uint32(0x3C) + 0x22) + (uint16(uint32(0x3C) + 0x16) - 1) * 8) << (uint16(uint32(0x3C) + 0x32) + 9 * (1 - (uint16(uint32(0x3C) + 0x32) + 65535) \ 65536))) + uint16(uint32(0x3C) + 0x14)) : (a >= 0 and a < filesize and a + 0x1C0 <= filesize and uint16(a) == 0x544E and hash.crc32(a + 0x48, 0x40) == 0x3628C683 and hash.crc32(a + 0x120, 0xA0) == 0x3429101C)
}

rule Generic_Trailer_A {
  meta:
    tgvx_id = "0x6001"
    tgvx_rev = 1
    tgvx_name = "Generic.Trailer.A"
  condition:
    filesize >= 0x1A0 and uint16(filesize - 0x1A0) == 0x5254 and hash.crc32(filesize - 0x190, 0x80) == 0x3462C977 and hash.crc32(filesize - 0x70, 0x50) == 0x811F2086
}

rule Boot_Stonewall_A {
  meta:
    tgvx_id = "0x7001"
    tgvx_rev = 1
    tgvx_name = "Boot.Stonewall.A"
  condition:
    tgvx_type_boot and filesize >= 0x1E0 and uint16(0x3E) == 0x5753 and hash.crc32(0x40, 0x80) == 0xB57DB97A and hash.crc32(0x130, 0xB0) == 0x645BADCE
}

// approximate: YARA cannot see file names: COM files that tgvx recognises only by their .com name (no E9/EB jump at offset 0) are not matched
rule DOS_Overwrite_A {
  meta:
    tgvx_id = "0x8001"
    tgvx_rev = 1
    tgvx_name = "DOS.Overwrite.A"
  condition:
    tgvx_type_com and filesize >= 0x190 and uint16(0x0) == 0x574F and hash.crc32(0x10, 0x30) == 0xB2F53F3D and hash.crc32(0x90, 0x100) == 0x513F57AB
}

rule Win32_Dropper_A {
  meta:
    tgvx_id = "0x9001"
    tgvx_rev = 1
    tgvx_name = "Win32.Dropper.A"
  condition:
    tgvx_type_pe32 and for any a in (pe.entry_point) : (a >= 0 and a < filesize and a + 0x160 <= filesize and uint16(a) == 0x5244 and hash.crc32(a, 0x40) == 0xB225DC43 and hash.crc32(a + 0x70, 0xF0) == 0x5FCF4EF2)
}

rule I_Worm_Postbox_A {
  meta:
    tgvx_id = "0xA001"
    tgvx_rev = 1
    tgvx_name = "I-Worm.Postbox.A"
  condition:
    tgvx_type_pe32 and for any a in (pe.entry_point) : (a >= 0 and a < filesize and a - 0x80 >= 0 and a + 0x100 <= filesize and uint16(a - 0x80) == 0x4250 and hash.crc32(a - 0x30, 0x30) == 0x057BB7FE and hash.crc32(a + 0x40, 0xC0) == 0xBB68D7B2)
}

rule Win95_Cinder_A {
  meta:
    tgvx_id = "0xB001"
    tgvx_rev = 1
    tgvx_name = "Win95.Cinder.A"
  condition:
    tgvx_type_pe32 and for any a in (pe.entry_point) : (a >= 0 and a < filesize and a + 0x120 <= filesize and uint16(a) == 0x4E43 and hash.crc32(a, 0x40) == 0x77528B69 and hash.crc32(a + 0x60, 0xC0) == 0x371A53DB)
}

rule Riskware_RemoteRun_A {
  meta:
    tgvx_id = "0xC001"
    tgvx_rev = 1
    tgvx_name = "Riskware.RemoteRun.A"
  condition:
    tgvx_type_pe32 and for any a in (pe.entry_point) : (a >= 0 and a < filesize and a + 0x150 <= filesize and uint16(a) == 0x5252 and hash.crc32(a, 0x40) == 0xD3D728D8 and hash.crc32(a + 0x50, 0x100) == 0x0441D0B1)
}

rule Win32_Keyhole_A {
  meta:
    tgvx_id = "0xE001"
    tgvx_rev = 1
    tgvx_name = "Win32.Keyhole.A"
  condition:
    (tgvx_type_pe32 or tgvx_type_pe64) and for any a in (pe.entry_point) : (a >= 0 and a < filesize and a - 0x80 >= 0 and a + 0x100 <= filesize and uint16(a - 0x80) == 0x484B and hash.crc32(a - 0x30, 0x30) == 0x0B174BB4 and hash.crc32(a + 0x40, 0xC0) == 0x25EF4CD2)
}
