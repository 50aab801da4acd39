/*
 * int13 probe: a boot program that calls every int 13h function a PC BIOS must provide
 * for hard disks and prints one checked line per call on COM1; then the PCI BIOS (int 1Ah
 * AH=B1h and its 32-bit interface, checks B1.n, at the end of this file).
 *
 *   PROBE <id> <what> -> <results>  PASS
 *   PROBE <id> <what> -> <results>  FAIL (expect <results>)
 *   PROBE INFO ...            drive-specific values (geometry, size): not checked
 *   PROBE DONE pass=N fail=M  then isa-debug-exit: 0x10 (QEMU status 33) if M == 0,
 *                             0x11 (status 35) otherwise; hlt loop without the device
 *
 * <id> is "<function>.<n>". PASS/FAIL lines contain no drive-specific numbers, so runs
 * from different disks (IDE, Xen PV) can be diffed on them. Expectations that depend on
 * the drive are derived from what the BIOS itself reports (08h geometry, 48h size).
 *
 * Disk image (tests/probe/mkimage.c): LBA 0.. holds this program, every other sector the
 * pattern of its LBA (pattern_check below), LBA SCRATCH_LBA.. may be written.
 *
 * Build: tests/probe/build.sh; run: tests/probe/run.sh [BIOS].
 * Assembler: GNU as, .code16, AT&T syntax; uses 386 instructions (32-bit registers).
 */

/* ======================================================================================
 * Expected int 13h results
 *
 * Status codes (AH) as SeaBIOS returns them: rel-1.16.3 src/std/disk.h (DISK_RET_*),
 * who returns what in src/disk.c and src/block.c; confirmed against Debian's seabios
 * 1.16.3 by tests/probe/run.sh. xenbios's src/block/mod.rs DiskError uses the same codes.
 * ====================================================================================== */
ST_OK           = 0x00  /* DISK_RET_SUCCESS                                             */
ST_BAD_PARAM    = 0x01  /* DISK_RET_EPARAM: invalid function, parameter or drive        */
ST_HD_TYPE      = 0x03  /* 15h: AH = 3 "fixed disk present" (with CF=0; not an error)  */
ST_EDD_30       = 0x30  /* 41h: AH = EDD version 3.0                                    */
/*
 * Every check that expects CF=1, and where SeaBIOS decides it:
 *
 *   check  call                                       expect        SeaBIOS source
 *   01.1   01h right after 02.5 failed                CF=1 AH=01    disk_1301 (BDA 40:74)
 *   02.5   02h sector 0                               CF=1 AH=01    basic_access
 *   02.6   02h count 0                                CF=1 AH=01    basic_access
 *   02.7   02h head = heads (one past the last)       CF=1 AH=01    basic_access
 *   16.1   16h on a hard disk (or CF=0 AH=00)         CF=1 AH=01    disk_1316
 *   42.4   42h LBA = size, n=1                        CF=1 AH=01 n=0  extended_access *
 *   42.5   42h LBA = size-1, n=2                      CF=1 AH=01 n=0  (SeaBIOS: AH=0C) *
 *   42.6   42h LBA = 2^32*(size_hi+1) + 128           CF=1 AH=01 n=0  extended_access *
 *   43.3   43h LBA = size                             CF=1 AH=01 n=0  extended_access *
 *   44.2   44h LBA = size                             CF=1 AH=01    extended_access
 *   47.2   47h LBA = size                             CF=1 AH=01    extended_access
 *   48.5   48h buffer size 24 (< 26)                  CF=1 AH=01    fill_generic_edd
 *   7F.1   AH=7Fh, not a function                     CF=1 AH=01    disk_13XX
 *   02.8   02h on drive 80h + (08h DL), absent        CF=1 AH=01    handle_legacy_disk
 *   42.9   42h on the absent drive                    CF=1 AH=01    handle_legacy_disk
 *   08.3   08h on the absent drive                    CF=1 AH=01    handle_legacy_disk
 *   41.2   41h on the absent drive                    CF=1 AH=01    handle_legacy_disk
 *   48.7   48h on the absent drive                    CF=1 AH=01    handle_legacy_disk
 *   02.9   02h on floppy 0 when BDA 40:10 lists none  CF=1 AH=01    handle_legacy_disk
 *   (* = differs from SeaBIOS on purpose, see below)
 *
 * Whenever CF=1 is expected, the buffer must be left as it was (guard bytes), and 42h's
 * packet count must say how many blocks were transferred (0).
 */

/*
 * Checks where we deliberately expect something else than SeaBIOS does; they FAIL under
 * SeaBIOS, so run.sh takes them as a list for it:
 *   PROBE_EXPECT_FAIL="42.4 42.5 42.6 43.3 48.3 48.4 B1.7 B1.9 B1.15 B1.16" \
 *       tests/probe/run.sh /usr/share/seabios/bios.bin
 * (B1.n: see the PCI BIOS section.)
 *
 *  42.4  A request refused before any transfer (LBA >= size, or a 64-bit LBA past the
 *  42.6  end) sets the packet's block count to 0: EDD says the field returns the number
 *  43.3  of blocks transferred, "in the event of an error ... read before the error
 *        occurred" (Win95 DDK, RBIL INT 13/AH=42h). SeaBIOS returns CF=1 AH=01 but
 *        leaves the count as the caller wrote it (extended_access returns early).
 *  42.5  A range that starts inside the disk and runs past its end (LBA = size-1, 2
 *        sectors) is refused as a whole: CF=1 AH=01 n=0, buffer untouched (xenbios
 *        validates the whole range before a driver sees it: src/block, DiskError::
 *        BadCommand). SeaBIOS checks only the first LBA; the ATA driver then reads the
 *        last sector and fails on the next: CF=1 AH=0C (DISK_RET_EBADTRACK), n=1.
 *  48.3  48h with a 66-byte (74-byte) buffer: the returned size word must be 66 (74)
 *  48.4  when the EDD 3.0 fields are filled. SeaBIOS fills them (key BEDD, device path,
 *        checksum) but leaves the size word at 30 (fill_generic_edd never stores 66/74),
 *        which tells the caller it got an EDD 2.x table.
 *
 * Where the specs let a BIOS choose, the probe accepts SeaBIOS's choice:
 *  42.7  count 0: CF=0 AH=00 n=0, nothing transferred (SeaBIOS: "Nothing to do").
 *  02.6  CHS count 0: CF=1 AH=01 (basic_access).
 *  16.1  change line on a hard disk: CF=0 AH=00 or CF=1 AH=01 (SeaBIOS: 01); never 06.
 *  41.1  CX must have bits 0 (42h-44h, 47h, 48h) and 2 (EDD) set; bit 1 (45h/46h/49h)
 *        is reported on an INFO line only.
 *  48.4  a 74-byte buffer may get the Phoenix (36-byte path) or the T13 (44) layout.
 *  15.1  the sector count may be anything between the 08h CHS capacity and the 48h size
 *        (SeaBIOS: the CHS capacity; 08h and 15h both leave out the last cylinder).
 *  08.3, 41.2, 48.7: an absent drive fails every function with AH=01 (RBIL lists 07h
 *        for 08h; SeaBIOS and loaders only look at CF).
 *
 * Not probed: the 0x18-byte packet with a 64-bit flat buffer address (FFFF:FFFF);
 * SeaBIOS does not implement it and would write at linear 0x10FFEF. Nor 05h format,
 * 09h/11h/14h (SeaBIOS stubs), 45h/46h/49h/4Eh (removable media, hardware config).
 */

/* ---- Machine ---------------------------------------------------------------------- */
COM1            = 0x3f8
UART_THR        = 0     /* transmit holding register (DLAB=0)                           */
UART_DLL        = 0     /* divisor latch low (DLAB=1)                                   */
UART_IER        = 1     /* interrupt enable (DLAB=0) / divisor latch high (DLAB=1)      */
UART_DLM        = 1
UART_FCR        = 2
UART_LCR        = 3
UART_MCR        = 4
UART_LSR        = 5
LCR_DLAB        = 0x80
LCR_8N1         = 0x03
BAUD_DIVISOR    = 1     /* 1.8432 MHz / 16 / 1 = 115200 baud                            */
FCR_FIFO_RESET  = 0x07  /* enable FIFOs, clear receive and transmit FIFOs               */
MCR_DTR_RTS     = 0x03
LSR_THRE        = 0x20  /* transmit holding register empty                              */
TX_SPIN         = 0xffff /* polls before giving up on a busy (or absent) UART           */

EXIT_PORT       = 0xf4  /* QEMU isa-debug-exit: QEMU exits with status (value << 1) | 1 */
EXIT_PASS       = 0x10  /* -> status 33                                                 */
EXIT_FAIL       = 0x11  /* -> status 35                                                 */

BDA_EQUIPMENT   = 0x410 /* word: bit 0 = floppy drives installed                        */
EQUIP_FLOPPY    = 0x01
BDA_HDCOUNT     = 0x475 /* byte: number of hard disks                                   */

/* ---- Memory ----------------------------------------------------------------------- */
BOOT_ADDR       = 0x7c00 /* where the BIOS loads sector 0; the stack grows down from it */
BODY_ADDR       = 0x7e00 /* the rest of the probe, loaded by the boot sector            */
STACK_TOP       = BOOT_ADDR
SECTOR          = 512
PARAS_PER_SECTOR = SECTOR / 16
DWORDS_PER_SECTOR = SECTOR / 4
GUARD_BYTE      = 0xe7  /* fills buffers before a call; must survive where nothing is written */
GUARD_LEN       = 16    /* guard bytes checked after (and before) a transfer            */
BUF_SEG         = 0x3000 /* 0x30000-0x3FFFF: transfers of up to 64 KiB - GUARD_LEN       */
BUF2_SEG        = 0x4000 /* 0x40000-0x4FFFF: a second buffer, for comparing two reads   */
BIG_SEG         = 0x1f00 /* 0x1F000: 127 sectors end at 0x2EE00, across 0x20000        */
BIG_SECTORS     = 127   /* the most an EDD 1.1 (Phoenix) 42h call may transfer          */
BIG_BYTES       = BIG_SECTORS * SECTOR
BELOW_BIG_SEG   = BIG_SEG - GUARD_LEN / 16 /* the guard bytes just below BIG_SEG:0   */

/* ---- Disk layout (mirrored in mkimage.c) ------------------------------------------ */
PROBE_AREA_SECTORS = 64  /* LBA 0..63: this program (its sectors read back by 02.1)     */
SCRATCH_LBA     = 64    /* LBA 64..127: may be written; restored to the pattern by 43.1 */
PATTERN_LBA     = 128   /* first LBA that is never written                              */
MULTI_LBA       = PATTERN_LBA + 1
MULTI_SECTORS   = 16
BIG_LBA         = 1024
VERIFY_SECTORS  = 4
WRITE_SECTORS   = 2     /* written with CHS (03.1)                                      */
RESTORE_SECTORS = 4     /* written with 43h (43.1): covers the 03.1 sectors             */
CROSS_SECTORS   = 4     /* 02.4: CHS read across a head and a cylinder boundary         */
CROSS_CYL       = 2     /* ... starting at the end of this cylinder                     */
MIN_CYLS        = CROSS_CYL + 2
PATTERN_STEP    = 0x9e3779b9 /* sector dword i = (LBA ^ salt) + i * PATTERN_STEP        */
SALT_NONE       = 0     /* the image's own pattern                                      */
SALT_WRITE      = 0xa5a5a5a5 /* what 03.1 writes: differs from every image sector       */

/* ---- int 13h interface ------------------------------------------------------------ */
FIRST_HD        = 0x80
FIRST_CD        = 0xe0  /* CD drive numbers (El Torito no emulation): E0h..             */
CF_BIT          = 0x0001
CL_SECTOR_MASK  = 0x3f  /* CL bits 0-5: sector; bits 6-7: cylinder bits 8-9            */
CL_CYL_HI_MASK  = 0xc0
EXT_CHECK_IN    = 0x55aa /* 41h: BX in                                                  */
EXT_CHECK_OUT   = 0xaa55 /* 41h: BX out                                                 */
EXT_CX_REQUIRED = 0x0005 /* 41h CX: bit 0 extended access, bit 2 EDD                    */
UNKNOWN_FN      = 0x7f  /* not an int 13h function                                      */

/* Disk address packet (42h/43h/44h/47h) */
DAP_SIZE        = 0x10
DAP_LEN         = 0     /* byte */
DAP_COUNT       = 2     /* word: blocks; on return blocks transferred                   */
DAP_OFF         = 4     /* word: buffer offset                                          */
DAP_SEG         = 6     /* word: buffer segment                                         */
DAP_LBA         = 8     /* qword                                                        */

/* 48h result buffer */
EDD_SIZE        = 0x00  /* word: buffer size in, bytes filled out                       */
EDD_FLAGS       = 0x02  /* word                                                         */
EDD_CYLS        = 0x04  /* dword: physical geometry                                     */
EDD_HEADS       = 0x08
EDD_SPT         = 0x0c
EDD_SECTORS     = 0x10  /* qword: total sectors                                         */
EDD_BPS         = 0x18  /* word: bytes per sector                                       */
EDD_DPTE        = 0x1a  /* dword: seg:off of the DPTE, FFFF:FFFF if none (EDD 2.0+)     */
EDD_KEY         = 0x1e  /* word: BEDD when the device path follows (EDD 3.0)            */
EDD_DPI_LEN     = 0x20  /* byte: device path information length, from 0x1e: 36 or 44   */
EDD_HOST_BUS    = 0x24  /* 4 chars: "ISA " / "PCI "                                    */
EDD_IFACE       = 0x28  /* 8 chars: "ATA     ", "SCSI    ", ...                         */
EDD_IFACE_PATH  = 0x30  /* qword                                                        */
EDD_DEV_PATH    = 0x38  /* qword (Phoenix) / 2 qwords (T13)                             */
EDD_PATH_START  = EDD_KEY /* the checksummed device path information starts here       */
EDD_KEY_VALUE   = 0xbedd
EDD_1_SIZE      = 26
EDD_2_SIZE      = 30
EDD_3_SIZE      = 66    /* Phoenix EDD 3.0                                              */
EDD_3_T13_SIZE  = 74    /* T13 EDD-3                                                    */
EDD_DPI_PHOENIX = 36
EDD_DPI_T13     = 44
EDD_TOO_SMALL   = 24
EDD_BUF_LEN     = 80    /* our buffer: room for T13 plus guard bytes                    */

LINE_MAX        = 240   /* a longer line goes out in pieces                             */

/* print_num formats (CL) */
FMT_DEC         = 0
FMT_HEX8        = 2     /* digits */
FMT_HEX16       = 4
FMT_HEX32       = 8

/* ======================================================================================
 * Macros
 *
 * Operands are GNU as operands: $imm or memory. as splits macro arguments at spaces too,
 * so write expressions inside them without spaces: $SECTOR+GUARD_LEN.
 * ====================================================================================== */

/* Print a literal string (escapes allowed) on COM1 (or into the expectation text). */
.macro PRINT str
    pushw %si
    movw $.Lstr\@, %si
    call puts
    popw %si
    .pushsection .rodata
.Lstr\@: .asciz "\str"
    .popsection
.endm

/* Print a number: any operand of width b/w/l, in format FMT_*. */
.macro PNUM val, size=l, fmt=FMT_DEC
    pushal
    LOAD32 a, \val, \size
    movb $\fmt, %cl
    call print_num
    popal
.endm

/* Zero-extend any operand (immediate, register or memory) of width b/w/l into %e<r>x. */
.macro LOAD32 r, val, size
    .ifc \size,l
        movl \val, %e\r\()x
    .endif
    .ifc \size,w
        movw \val, %\r\()x
        movzwl %\r\()x, %e\r\()x
    .endif
    .ifc \size,b
        movb \val, %\r\()l
        movzbl %\r\()l, %e\r\()x
    .endif
.endm

/* Start a check: "PROBE <id> <what> ->". */
.macro BEGIN id, what
    movw $.Lhead\@, %si
    call check_begin
    .pushsection .rodata
.Lhead\@: .asciz "PROBE \id \what ->"
    .popsection
.endm

/* Finish a check: "  PASS" or "  FAIL (expect ...)". */
.macro END
    call check_end
.endm

/* Checks that need the geometry of 08h / the size from 48h: fail (and return from the
 * check routine) when the BIOS did not provide it. Use at the top of a check routine. */
.macro REQUIRE_GEOM
    cmpb $0, geom_ok
    jne .Lhave\@
    jmp no_geometry
.Lhave\@:
.endm
.macro REQUIRE_SIZE
    cmpb $0, size_ok
    jne .Lhave\@
    jmp no_size
.Lhave\@:
.endm

/* Call int 13h with these registers (any operands); outputs land in o_ax .. o_fl.
 * DL defaults to the boot drive, everything else to 0. */
.macro INT13 ax, bx=$0, cx=$0, dx=drive_w, si=$0, di=$0, es=$0
    movw \es, %ax
    movw %ax, %es
    movw \bx, %bx
    movw \cx, %cx
    movw \dx, %dx
    movw \si, %si
    movw \di, %di
    movw \ax, %ax
    call do_int13
.endm

/* INFO lines about a call's results: only when it succeeded. */
.macro JUMP_IF_CALL_FAILED skip
    testb $CF_BIT, o_fl
    jnz \skip
.endm

/* Fill the disk address packet. lba_hi: bits 32-63. */
.macro DAP count, seg, off, lba, lba_hi=$0
    movb $DAP_SIZE, dap+DAP_LEN
    movb $0, dap+DAP_LEN+1
    movw \count, %ax
    movw %ax, dap+DAP_COUNT
    movw \off, %ax
    movw %ax, dap+DAP_OFF
    movw \seg, %ax
    movw %ax, dap+DAP_SEG
    movl \lba, %eax
    movl %eax, dap+DAP_LBA
    movl \lba_hi, %eax
    movl %eax, dap+DAP_LBA+4
.endm

/* Fill len bytes at seg:off with GUARD_BYTE (or byte). */
.macro FILL seg, off, len, byte=$GUARD_BYTE
    movw \seg, %ax
    movw \off, %di
    movw \len, %cx
    movb \byte, %dl
    call fill_mem
.endm

/* Write the pattern of count sectors starting at lba (with salt) to seg:off. */
.macro MAKE_PATTERN seg, off, lba, count, salt=$SALT_NONE
    movw \seg, %ax
    movw \off, %di
    movl \lba, %ebx
    movw \count, %cx
    movl \salt, %edx
    call pattern_fill
.endm

/* Expect CF and AH: prints " CF=c AH=hh". */
.macro EXPECT_CF_AH cf, ah
    movw $((\ah << 8) | \cf), %bx
    call expect_cf_ah
.endm

/* Expect one of two CF/AH results. */
.macro EXPECT_CF_AH_EITHER cf1, ah1, cf2, ah2
    movw $((\ah1 << 8) | \cf1), %bx
    movw $((\ah2 << 8) | \cf2), %dx
    call expect_cf_ah_either
.endm

/* Expect a value: prints " name=<actual>"; actual and expected are operands of width
 * size (b, w, l), printed in format fmt. */
.macro EXPECT name, actual, expected, size=w, fmt=FMT_DEC
    LOAD32 d, \expected, \size
    LOAD32 a, \actual, \size
    movb $\fmt, %cl
    movw $.Lname\@, %si
    call expect_val
    .pushsection .rodata
.Lname\@: .asciz "\name"
    .popsection
.endm

/* Expect a condition computed into AL (1 = good): prints " name=ok" or " name=bad". */
.macro EXPECT_OK name
    movw $.Lname\@, %si
    call expect_flag
    .pushsection .rodata
.Lname\@: .asciz "\name"
    .popsection
.endm

/* Expect count sectors of pattern at seg:off: " data=ok". */
.macro EXPECT_PATTERN seg, off, lba, count, salt=$SALT_NONE
    movw \seg, %ax
    movw \off, %di
    movl \lba, %ebx
    movw \count, %cx
    movl \salt, %edx
    call pattern_check
    setnc %al
    EXPECT_OK data
.endm

/* Expect len bytes at seg:off to still hold GUARD_BYTE: " name=ok". */
.macro EXPECT_UNTOUCHED name, seg, off, len
    movw \seg, %ax
    movw \off, %di
    movw \len, %cx
    movb $GUARD_BYTE, %dl
    call check_fill
    setnc %al
    EXPECT_OK \name
.endm

/* Expect len bytes at seg1:off1 and seg2:off2 to be equal: " name=ok". */
.macro EXPECT_SAME name, seg1, off1, seg2, off2, len
    movw \seg1, %ax
    movw \off1, %si
    movw \seg2, %bx
    movw \off2, %di
    movw \len, %cx
    call compare_mem
    setnc %al
    EXPECT_OK \name
.endm

/* ======================================================================================
 * Boot sector: 0000:7C00, DL = boot drive
 * ====================================================================================== */
    .code16
    .text
    .globl _start
_start:
    cli
    xorw %ax, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw $STACK_TOP, %sp
    ljmp $0, $boot_main             /* CS:IP = 0000:7Cxx whatever the BIOS used */
boot_main:
    sti
    cld
    movw $bss_start, %di            /* .bss is not loaded: clear it */
    movw $bss_size, %cx
    rep stosb
    movb %dl, boot_drive
    movb %dl, drive_w               /* DH = 0 */
    call serial_init

    /* Booted from a CD (El Torito, no emulation): the BIOS loaded the whole probe, as the
     * catalog's sector count says (tests/probe/run.sh PROBE_MEDIA=cd). */
    cmpb $FIRST_CD, boot_drive
    jb 1f
    cmpl $BODY_MAGIC, body_magic
    jne load_corrupt
    jmp cd_main
1:

    /* The loader itself uses CHS: the rest of the probe is on cylinder 0, head 0, from
     * sector 2 (right after this one). */
    movw $BODY_ADDR, %bx
    movb $0x02, %ah
    movb $body_sectors, %al
    movw $0x0002, %cx               /* cylinder 0, sector 2 */
    movb $0, %dh                    /* head 0 */
    movb boot_drive, %dl
    int $0x13
    jc load_failed
    cmpl $BODY_MAGIC, body_magic
    jne load_corrupt
    jmp body_main

load_failed:
    movw $msg_load_failed, %si
    call puts
    movzbl %ah, %eax
    movb $FMT_HEX8, %cl
    call phex
    jmp load_done
load_corrupt:
    movw $msg_load_corrupt, %si
    call puts
load_done:
    movw $msg_load_done, %si
    call puts
    movb $EXIT_FAIL, %al
    jmp finish

/* 16550 at 115200 8N1, no interrupts. */
serial_init:
    movw $COM1 + UART_IER, %dx
    xorb %al, %al
    outb %al, %dx
    movw $COM1 + UART_LCR, %dx
    movb $LCR_DLAB, %al
    outb %al, %dx
    movw $COM1 + UART_DLL, %dx
    movb $BAUD_DIVISOR, %al
    outb %al, %dx
    movw $COM1 + UART_DLM, %dx
    xorb %al, %al
    outb %al, %dx
    movw $COM1 + UART_LCR, %dx
    movb $LCR_8N1, %al
    outb %al, %dx
    movw $COM1 + UART_FCR, %dx
    movb $FCR_FIFO_RESET, %al
    outb %al, %dx
    movw $COM1 + UART_MCR, %dx
    movb $MCR_DTR_RTS, %al
    outb %al, %dx
    ret

/*
 * putc: AL to the line buffer, or to the expectation text while sink != 0. Keeps all
 * registers. The line goes to COM1 whole, at its '\n': a BIOS that logs on COM1 during
 * an int 13h call (xenbios does) then cannot split a PROBE line.
 */
putc:
    cmpb $0, sink
    jne putc_expect
    pushw %di
    movw line_len, %di
    movb %al, line_buf(%di)
    incw %di
    movw %di, line_len
    popw %di
    cmpb $'\n', %al
    je flush_line
    cmpw $LINE_MAX, line_len
    jae flush_line
    ret

flush_line:
    pushw %si
    pushw %cx
    pushw %ax
    movw $line_buf, %si
    movw line_len, %cx
1:  lodsb
    call uart_putc
    loop 1b
    movw $0, line_len
    popw %ax
    popw %cx
    popw %si
    ret

/* AL to COM1 */
uart_putc:
    pushw %cx
    pushw %dx
    pushw %ax
    movw $COM1+UART_LSR, %dx
    movw $TX_SPIN, %cx
1:  inb %dx, %al
    testb $LSR_THRE, %al
    jnz 2f
    loop 1b
2:  popw %ax
    movw $COM1+UART_THR, %dx
    outb %al, %dx
    popw %dx
    popw %cx
    ret

/* puts: the NUL-terminated string at DS:SI. Keeps all registers. */
puts:
    pushw %si
    pushw %ax
1:  lodsb
    testb %al, %al
    jz 2f
    call putc
    jmp 1b
2:  popw %ax
    popw %si
    ret

/* phex: EAX as CL hex digits. Keeps all registers. */
phex:
    pushal
    movb %cl, %ch                   /* digits left */
    movb $8, %cl
    subb %ch, %cl
    shlb $2, %cl
    roll %cl, %eax                  /* the first digit to print is now bits 28-31 */
1:  roll $4, %eax
    pushl %eax
    andb $0x0f, %al
    addb $'0', %al
    cmpb $'9', %al
    jbe 2f
    addb $'A' - '9' - 1, %al
2:  call putc
    popl %eax
    decb %ch
    jnz 1b
    popal
    ret

/* finish: AL = isa-debug-exit value; halts if QEMU did not exit. */
finish:
    outb %al, $EXIT_PORT
    cli
1:  hlt
    jmp 1b

msg_load_failed:  .asciz "PROBE LOADER int13/02 failed AH="
msg_load_corrupt: .asciz "PROBE LOADER int13/02 returned CF=0 but not the probe"
msg_load_done:    .asciz "\nPROBE DONE pass=0 fail=1\n"

PART_TABLE      = 0x1be     /* left empty: QEMU guesses the geometry from it otherwise */
PART_TABLE_LEN  = 64
BOOT_SIGNATURE  = 0xaa55
    .org PART_TABLE
    .fill PART_TABLE_LEN, 1, 0
    .word BOOT_SIGNATURE

/* ======================================================================================
 * Probe body: 0000:7E00
 * ====================================================================================== */
BODY_MAGIC      = 0x45424f52 /* "ROBE": the loader checks it at the end of the body */

body_main:
    PRINT "PROBE START int13 probe\n"
    PRINT "PROBE INFO boot dl="
    PNUM boot_drive, b, FMT_HEX8
    PRINT "\n"
    movw $checks, %si
/* SI = a table of check routines, ended by 0: run them, print the totals and exit. */
run_checks:
1:  lodsw
    testw %ax, %ax
    jz 2f
    pushw %si
    call *%ax
    popw %si
    jmp 1b
2:  cmpw $0, n_skip
    je 3f
    PRINT "PROBE INFO skipped="
    PNUM n_skip, w
    PRINT "\n"
3:  PRINT "PROBE DONE pass="
    PNUM n_pass, w
    PRINT " fail="
    PNUM n_fail, w
    PRINT "\n"
    movb $EXIT_PASS, %al
    cmpw $0, n_fail
    je 4f
    movb $EXIT_FAIL, %al
4:  jmp finish

/* ---- int 13h ---------------------------------------------------------------------- */

/* Registers as the INT13 macro set them; saves every output register and the flags. */
do_int13:
    int $0x13
    pushf
    movw %ax, o_ax
    movw %bx, o_bx
    movw %cx, o_cx
    movw %dx, o_dx
    movw %si, o_si
    movw %di, o_di
    movw %es, %ax
    movw %ax, o_es
    popw %ax
    movw %ax, o_fl
    xorw %ax, %ax
    movw %ax, %es
    cld
    ret

/* EAX = LBA -> t_cx, t_dx (DL = boot drive) for CHS calls, from the 08h geometry. */
lba_to_chs:
    pushal
    xorl %edx, %edx
    divl g_spt
    incw %dx                        /* sector numbers start at 1 */
    movw %dx, %cx                   /* CL = sector */
    xorl %edx, %edx
    divl g_heads                    /* EAX = cylinder, EDX = head */
    movb %al, %ch                   /* CH = cylinder bits 0-7 */
    shrw $2, %ax                    /* cylinder bits 8-9 -> bits 6-7 */
    andb $CL_CYL_HI_MASK, %al
    orb %al, %cl
    movw %cx, t_cx
    movb %dl, %dh
    movb boot_drive, %dl
    movw %dx, t_dx
    popal
    ret

/* ---- Check bookkeeping ------------------------------------------------------------ */

/* SI = "PROBE <id> <what> ->" */
check_begin:
    movb $0, cur_fail
    movb $0, sink
    movw $exp_text, exp_ptr
    movb $0, exp_text
    call puts
    ret

check_end:
    cmpb $0, cur_fail
    jne 1f
    PRINT "  PASS\n"
    incw n_pass
    ret
1:  PRINT "  FAIL (expect"
    pushw %si
    movw $exp_text, %si
    call puts
    popw %si
    PRINT ")\n"
    incw n_fail
    ret

/* SI = reason: the check cannot run here, and that is not an error. */
check_skip:
    PRINT " skipped: "
    call puts
    PRINT "  SKIP\n"
    incw n_skip
    ret

/* Failure, and start writing the expectation text (until sink_end). */
sink_begin:
    movb $1, cur_fail
    movb $1, sink
    ret
sink_end:
    movb $0, sink
    ret

/* putc while sink != 0: append AL to exp_text. */
putc_expect:
    pushw %di
    movw exp_ptr, %di
    cmpw $exp_text_end - 1, %di
    jae 1f
    movb %al, (%di)
    incw %di
    movb $0, (%di)
    movw %di, exp_ptr
1:  popw %di
    ret

/* Targets of REQUIRE_*: report and return from the check routine. */
no_geometry:
    PRINT " no usable geometry from int13/08"
    call sink_begin
    PRINT " a valid int13/08 geometry"
    call sink_end
    END
    ret
no_size:
    PRINT " no drive size from int13/48"
    call sink_begin
    PRINT " a drive size from int13/48"
    call sink_end
    END
    ret

/* BX = expected CF (BL) and AH (BH). */
expect_cf_ah:
    pushal
    call actual_cf_ah
    call print_cf_ah
    cmpw %bx, %ax
    je 1f
    call sink_begin
    movw %bx, %ax
    call print_cf_ah
    call sink_end
1:  popal
    ret

/* BX, DX = the two acceptable CF/AH results. */
expect_cf_ah_either:
    pushal
    call actual_cf_ah
    call print_cf_ah
    cmpw %bx, %ax
    je 1f
    cmpw %dx, %ax
    je 1f
    call sink_begin
    movw %bx, %ax
    call print_cf_ah
    PRINT " or"
    movw %dx, %ax
    call print_cf_ah
    call sink_end
1:  popal
    ret

/* AL = CF, AH = AH of the last int 13h call. */
actual_cf_ah:
    movb o_fl, %al
    andb $CF_BIT, %al
    movb o_ax+1, %ah
    ret

/* Print " CF=<AL> AH=<AH>". */
print_cf_ah:
    pushal
    PRINT " CF="
    pushw %ax
    addb $'0', %al
    call putc
    popw %ax
    PRINT " AH="
    shrw $8, %ax
    movzwl %ax, %eax
    movb $FMT_HEX8, %cl
    call phex
    popal
    ret

/* SI = name, EAX = actual, EDX = expected, CL = format. */
expect_val:
    pushal
    call print_field
    cmpl %edx, %eax
    je 1f
    call sink_begin
    movl %edx, %eax
    call print_field
    call sink_end
1:  popal
    ret

/* Print " <name>=<EAX in format CL>". */
print_field:
    pushw %ax
    movb $' ', %al
    call putc
    call puts
    movb $'=', %al
    call putc
    popw %ax
    call print_num
    ret

/* SI = name, AL = 1 if good. */
expect_flag:
    pushal
    movb %al, %bl
    PRINT " "
    call puts
    testb %bl, %bl
    jz 1f
    PRINT "=ok"
    jmp 2f
1:  PRINT "=bad"
    call sink_begin
    PRINT " "
    call puts
    PRINT "=ok"
    call sink_end
2:  popal
    ret

/* EAX in format CL (FMT_DEC or a number of hex digits). */
print_num:
    testb %cl, %cl
    jnz phex
    /* fall through */
pdec:
    pushal
    movl $10, %ebx
    xorw %cx, %cx
1:  xorl %edx, %edx
    divl %ebx
    pushw %dx
    incw %cx
    testl %eax, %eax
    jnz 1b
2:  popw %ax
    addb $'0', %al
    call putc
    loop 2b
    popal
    ret

/* Print CX characters at DS:SI, '.' for anything not printable. */
print_chars:
    pushal
1:  lodsb
    cmpb $' ', %al
    jb 2f
    cmpb $'~', %al
    jbe 3f
2:  movb $'.', %al
3:  call putc
    loop 1b
    popal
    ret

/* Print the qword at DS:SI in hex. */
print_hex64:
    pushal
    movl 4(%si), %eax
    movb $FMT_HEX32, %cl
    call phex
    movl (%si), %eax
    call phex
    popal
    ret

/* ---- Buffers and the sector pattern ----------------------------------------------- */

/* AX:DI = buffer, CX = length, DL = byte. */
fill_mem:
    pushal
    pushw %es
    movw %ax, %es
    movb %dl, %al
    rep stosb
    popw %es
    popal
    ret

/* AX:DI = buffer, CX = length, DL = byte: CF=0 if every byte is DL. */
check_fill:
    pushal
    pushw %es
    movw %ax, %es
    movb %dl, %al
    repe scasb
    popw %es
    je 1f
    popal
    stc
    ret
1:  popal
    clc
    ret

/* AX:SI and BX:DI, CX bytes: CF=0 if equal. */
compare_mem:
    pushal
    pushw %ds
    pushw %es
    movw %ax, %ds
    movw %bx, %es
    repe cmpsb
    popw %es
    popw %ds
    je 1f
    popal
    stc
    ret
1:  popal
    clc
    ret

/*
 * The pattern of the disk image: dword i of sector LBA is (LBA ^ salt) + i * PATTERN_STEP
 * (mkimage.c writes salt 0). AX:DI = buffer, EBX = first LBA, CX = sectors, EDX = salt.
 * Each sector moves the segment on by 512 bytes, so any count fits.
 */
pattern_fill:
    pushal
    pushw %es
    movw %ax, %es
1:  pushw %di
    movl %ebx, %eax
    xorl %edx, %eax
    movw $DWORDS_PER_SECTOR, %si
2:  stosl
    addl $PATTERN_STEP, %eax
    decw %si
    jnz 2b
    popw %di
    call next_sector
    loop 1b
    popw %es
    popal
    ret

/* Same arguments: CF=0 if the buffer holds that pattern. */
pattern_check:
    pushal
    pushw %es
    movw %ax, %es
1:  pushw %di
    movl %ebx, %eax
    xorl %edx, %eax
    movw $DWORDS_PER_SECTOR, %si
2:  scasl
    jne 3f
    addl $PATTERN_STEP, %eax
    decw %si
    jnz 2b
    popw %di
    call next_sector
    loop 1b
    popw %es
    popal
    clc
    ret
3:  popw %di
    popw %es
    popal
    stc
    ret

/* ES += one sector, EBX += 1 */
next_sector:
    pushw %ax
    movw %es, %ax
    addw $PARAS_PER_SECTOR, %ax
    movw %ax, %es
    popw %ax
    incl %ebx
    ret

/* ======================================================================================
 * The checks, in the order they run
 * ====================================================================================== */
    .section .rodata
checks:
    .word chk_00_1
    .word chk_08_1, chk_08_2
    .word chk_41_1
    .word chk_48_1, chk_48_2, chk_48_3, chk_48_4, chk_48_5, chk_48_6
    .word chk_15_1, chk_16_1, chk_10_1, chk_0C_1, chk_0D_1
    .word chk_02_5, chk_01_1, chk_02_6, chk_02_7
    .word chk_02_1, chk_01_2, chk_02_2, chk_02_3, chk_02_4
    .word chk_03_1, chk_03_2, chk_03_3
    .word chk_43_1, chk_43_2, chk_43_3
    .word chk_04_1, chk_44_1, chk_44_2, chk_47_1, chk_47_2
    .word chk_42_1, chk_42_2, chk_42_3, chk_42_4, chk_42_5, chk_42_6, chk_42_7, chk_42_8
    .word chk_7F_1
    .word chk_02_8, chk_42_9, chk_08_3, chk_41_2, chk_48_7
    .word chk_02_9
    .word chk_B1_1, chk_B1_2, chk_B1_3, chk_B1_4, chk_B1_5, chk_B1_6
    .word chk_B1_7, chk_B1_8, chk_B1_9, chk_B1_10
    .word chk_B1_11, chk_B1_12, chk_B1_13, chk_B1_14, chk_B1_15, chk_B1_16, chk_B1_17
    .word chk_B1_18
    .word 0
    .text

/* ---- 00 reset, 0D alternate reset, 10 test ready, 0C seek -------------------------- */

chk_00_1:
    BEGIN 00.1, "reset"
    INT13 ax=$0x0000
    EXPECT_CF_AH 0, ST_OK
    END
    ret

chk_0D_1:
    BEGIN 0D.1, "alternate reset"
    INT13 ax=$0x0d00
    EXPECT_CF_AH 0, ST_OK
    END
    ret

chk_10_1:
    BEGIN 10.1, "test ready"
    INT13 ax=$0x1000
    EXPECT_CF_AH 0, ST_OK
    END
    ret

chk_0C_1:
    BEGIN 0C.1, "seek to the last cylinder"
    REQUIRE_GEOM
    movl g_chs_total, %eax
    decl %eax
    call lba_to_chs
    INT13 ax=$0x0c00, cx=t_cx, dx=t_dx
    EXPECT_CF_AH 0, ST_OK
    END
    ret

/* ---- 08 parameters ---------------------------------------------------------------- */

chk_08_1:
    BEGIN 08.1, "get parameters"
    INT13 ax=$0x0800, es=$0, di=$0      /* ES:DI = 0 guards against BIOS bugs (RBIL) */
    EXPECT_CF_AH 0, ST_OK
    movzbl o_cx, %eax                   /* CL bits 0-5: sectors per track */
    andb $CL_SECTOR_MASK, %al
    movl %eax, g_spt
    movzbl o_cx, %edx                   /* CL bits 6-7: cylinder bits 8-9 */
    andb $CL_CYL_HI_MASK, %dl
    shll $2, %edx
    movzbl o_cx+1, %eax                 /* CH: cylinder bits 0-7 */
    orl %edx, %eax
    incl %eax                           /* highest cylinder -> cylinders */
    movl %eax, g_cyls
    movzbl o_dx+1, %eax                 /* DH: highest head */
    incl %eax
    movl %eax, g_heads
    movb o_dx, %al                      /* DL: number of hard disks */
    testb $CF_BIT, o_fl
    jz 2f
    movb BDA_HDCOUNT, %al               /* 08h failed: DL means nothing */
2:  movb %al, g_hdcount
    addb $FIRST_HD, %al
    movb %al, absent_w                  /* the first drive number with no disk */
    movl g_cyls, %eax
    mull g_heads
    mull g_spt
    movl %eax, g_chs_total
    /* usable: 2..63 sectors, enough cylinders for 02.4, and the call succeeded */
    xorb %al, %al
    testb $CF_BIT, o_fl
    jnz 1f
    cmpl $2, g_spt
    jb 1f
    cmpl $MIN_CYLS, g_cyls
    jb 1f
    incb %al
1:  movb %al, geom_ok
    EXPECT_OK geometry
    END
    JUMP_IF_CALL_FAILED 9f
    PRINT "PROBE INFO 08 cyls="
    PNUM g_cyls
    PRINT " heads="
    PNUM g_heads
    PRINT " spt="
    PNUM g_spt
    PRINT " chs_sectors="
    PNUM g_chs_total
    PRINT " disks="
    PNUM g_hdcount, b
    PRINT "\n"
9:  ret

chk_08_2:
    BEGIN 08.2, "disk count DL = BDA 40:75, includes the boot drive"
    REQUIRE_GEOM
    xorb %al, %al
    movb g_hdcount, %ah
    testb %ah, %ah
    jz 1f
    cmpb BDA_HDCOUNT, %ah
    jne 1f
    movb boot_drive, %dl
    subb $FIRST_HD, %dl
    cmpb %ah, %dl
    jae 1f
    incb %al
1:  EXPECT_OK disks
    END
    ret

/* ---- 41 extensions check ---------------------------------------------------------- */

chk_41_1:
    BEGIN 41.1, "extensions check"
    call check_extensions
    JUMP_IF_CALL_FAILED 9f
    PRINT "PROBE INFO 41 cx="
    PNUM o_cx, w, FMT_HEX16
    PRINT "\n"
9:  ret

/* 41h on the boot drive, after a BEGIN: EDD 3.0 with the functions every drive has. */
check_extensions:
    INT13 ax=$0x4100, bx=$EXT_CHECK_IN
    EXPECT_CF_AH 0, ST_EDD_30
    EXPECT BX, o_bx, $EXT_CHECK_OUT, w, FMT_HEX16
    movw o_cx, %ax
    andw $EXT_CX_REQUIRED, %ax
    movw %ax, t_w
    EXPECT CX&5, t_w, $EXT_CX_REQUIRED, w, FMT_HEX16
    END
    ret

/* ---- 48 drive parameters ---------------------------------------------------------- */

/* AX = the buffer size to announce; fills edd_buf with guard bytes first. */
call_48:
    pushw %ax
    FILL $0, $edd_buf, $EDD_BUF_LEN
    popw %ax
    movw %ax, edd_buf+EDD_SIZE
    INT13 ax=$0x4800, si=$edd_buf
    ret

chk_48_1:
    BEGIN 48.1, "parameters, 26-byte buffer"
    movw $EDD_1_SIZE, %ax
    call call_48
    EXPECT_CF_AH 0, ST_OK
    EXPECT size, edd_buf+EDD_SIZE, $EDD_1_SIZE
    EXPECT bps, edd_buf+EDD_BPS, $SECTOR
    EXPECT_UNTOUCHED guard, $0, $edd_buf+EDD_1_SIZE, $EDD_BUF_LEN-EDD_1_SIZE
    /* The size all LBA checks derive from: call succeeded, sane and above our areas. */
    movl edd_buf+EDD_SECTORS, %eax
    movl %eax, g_total
    movl edd_buf+EDD_SECTORS+4, %eax
    movl %eax, g_total+4
    movl g_total, %eax                  /* last_lba = g_total - 1 (64 bits) */
    movl g_total+4, %edx
    subl $1, %eax
    sbbl $0, %edx
    movl %eax, last_lba
    movl %edx, last_lba+4
    xorb %al, %al
    testb $CF_BIT, o_fl
    jnz 1f
    cmpl $0, g_total+4
    jne 2f
    cmpl $BIG_LBA + BIG_SECTORS, g_total
    jb 1f
2:  incb %al
1:  movb %al, size_ok
    EXPECT_OK sectors
    END
    JUMP_IF_CALL_FAILED 9f
    PRINT "PROBE INFO 48 sectors="
    cmpl $0, g_total+4
    je 3f
    PRINT "0x"
    pushw %si
    movw $g_total, %si
    call print_hex64
    popw %si
    jmp 4f
3:  PNUM g_total
4:  PRINT " bps="
    PNUM edd_buf+EDD_BPS, w
    PRINT " flags="
    PNUM edd_buf+EDD_FLAGS, w, FMT_HEX16
    PRINT " pchs="
    PNUM edd_buf+EDD_CYLS
    PRINT "/"
    PNUM edd_buf+EDD_HEADS
    PRINT "/"
    PNUM edd_buf+EDD_SPT
    PRINT "\n"
9:  ret

chk_48_2:
    BEGIN 48.2, "parameters, 30-byte buffer"
    movw $EDD_2_SIZE, %ax
    call call_48
    EXPECT_CF_AH 0, ST_OK
    EXPECT size, edd_buf+EDD_SIZE, $EDD_2_SIZE
    EXPECT_UNTOUCHED guard, $0, $edd_buf+EDD_2_SIZE, $EDD_BUF_LEN-EDD_2_SIZE
    END
    JUMP_IF_CALL_FAILED 9f
    PRINT "PROBE INFO 48 dpte="
    PNUM edd_buf+EDD_DPTE+2, w, FMT_HEX16
    PRINT ":"
    PNUM edd_buf+EDD_DPTE, w, FMT_HEX16
    PRINT "\n"
9:  ret

/* AL = 1 if the device path information (EDD_PATH_START, dpi bytes) sums to 0. */
edd_checksum_ok:
    pushw %si
    pushw %cx
    movw $edd_buf+EDD_PATH_START, %si
    movzbw edd_buf+EDD_DPI_LEN, %cx
    xorb %ah, %ah
    jcxz 2f
1:  lodsb
    addb %al, %ah
    loop 1b
2:  xorb %al, %al
    testb %ah, %ah
    jnz 3f
    incb %al
3:  popw %cx
    popw %si
    ret

chk_48_3:
    BEGIN 48.3, "parameters, 66-byte buffer (EDD 3.0)"
    movw $EDD_3_SIZE, %ax
    call call_48
    EXPECT_CF_AH 0, ST_OK
    EXPECT size, edd_buf+EDD_SIZE, $EDD_3_SIZE
    EXPECT key, edd_buf+EDD_KEY, $EDD_KEY_VALUE, w, FMT_HEX16
    EXPECT dpl, edd_buf+EDD_DPI_LEN, $EDD_DPI_PHOENIX, b
    call edd_checksum_ok
    EXPECT_OK checksum
    EXPECT_UNTOUCHED guard, $0, $edd_buf+EDD_3_SIZE, $EDD_BUF_LEN-EDD_3_SIZE
    END
    JUMP_IF_CALL_FAILED 9f
    PRINT "PROBE INFO 48 bus="
    movw $edd_buf+EDD_HOST_BUS, %si
    movw $4, %cx
    call print_chars
    PRINT " iface="
    movw $edd_buf+EDD_IFACE, %si
    movw $8, %cx
    call print_chars
    PRINT " iface_path="
    movw $edd_buf+EDD_IFACE_PATH, %si
    call print_hex64
    PRINT " device_path="
    movw $edd_buf+EDD_DEV_PATH, %si
    call print_hex64
    PRINT "\n"
9:  ret

chk_48_4:
    BEGIN 48.4, "parameters, 74-byte buffer (T13 EDD-3)"
    movw $EDD_3_T13_SIZE, %ax
    call call_48
    EXPECT_CF_AH 0, ST_OK
    /* Phoenix (36-byte path, size 66) or T13 (44, size 74) */
    movw $EDD_3_SIZE, t_w
    cmpb $EDD_DPI_T13, edd_buf+EDD_DPI_LEN
    jne 3f
    movw $EDD_3_T13_SIZE, t_w
3:
    EXPECT size, edd_buf+EDD_SIZE, t_w
    EXPECT key, edd_buf+EDD_KEY, $EDD_KEY_VALUE, w, FMT_HEX16
    xorb %al, %al
    movb edd_buf+EDD_DPI_LEN, %ah
    cmpb $EDD_DPI_PHOENIX, %ah
    je 1f
    cmpb $EDD_DPI_T13, %ah
    jne 2f
1:  call edd_checksum_ok
2:  EXPECT_OK path
    EXPECT_UNTOUCHED guard, $0, $edd_buf+EDD_3_T13_SIZE, $EDD_BUF_LEN-EDD_3_T13_SIZE
    END
    ret

chk_48_5:
    BEGIN 48.5, "parameters, 24-byte buffer is too small"
    movw $EDD_TOO_SMALL, %ax
    call call_48
    EXPECT_CF_AH 1, ST_BAD_PARAM
    EXPECT_UNTOUCHED buf, $0, $edd_buf+2, $EDD_BUF_LEN-2
    END
    ret

chk_48_6:
    BEGIN 48.6, "08h CHS capacity <= 48h sectors"
    REQUIRE_GEOM
    REQUIRE_SIZE
    movb $1, %al
    cmpl $0, g_total+4
    jne 1f
    movl g_chs_total, %edx
    cmpl g_total, %edx
    jbe 1f
    xorb %al, %al
1:  EXPECT_OK capacity
    END
    ret

/* ---- 15 type, 16 change line ------------------------------------------------------ */

chk_15_1:
    BEGIN 15.1, "drive type"
    REQUIRE_GEOM
    REQUIRE_SIZE
    INT13 ax=$0x1500
    EXPECT_CF_AH 0, ST_HD_TYPE
    movw o_dx, %ax                      /* CX:DX = sectors */
    movw %ax, t_lba
    movw o_cx, %ax
    movw %ax, t_lba+2
    /* between the CHS capacity and the drive size */
    xorb %al, %al
    movl t_lba, %edx
    cmpl g_chs_total, %edx
    jb 1f
    cmpl $0, g_total+4
    jne 2f
    cmpl g_total, %edx
    ja 1f
2:  incb %al
1:  EXPECT_OK count
    END
    JUMP_IF_CALL_FAILED 9f
    PRINT "PROBE INFO 15 sectors="
    PNUM t_lba
    PRINT "\n"
9:  ret

chk_16_1:
    BEGIN 16.1, "change line (hard disk: none)"
    INT13 ax=$0x1600
    EXPECT_CF_AH_EITHER 0, ST_OK, 1, ST_BAD_PARAM
    END
    ret

/* ---- 01 last status --------------------------------------------------------------- */

chk_01_1:
    BEGIN 01.1, "status after a failed call"
    INT13 ax=$0x0100
    EXPECT_CF_AH 1, ST_BAD_PARAM
    END
    ret

chk_01_2:
    BEGIN 01.2, "status after a successful call"
    INT13 ax=$0x0100
    EXPECT_CF_AH 0, ST_OK
    END
    ret

/* ---- 02 CHS read ------------------------------------------------------------------ */

chk_02_1:
    BEGIN 02.1, "read c=0 h=0 s=1 (the probe itself)"
    FILL $BUF_SEG, $0, $probe_bytes+GUARD_LEN
    INT13 ax=$0x0200+probe_sectors, es=$BUF_SEG, bx=$0, cx=$0x0001
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, o_ax, $probe_sectors, b
    EXPECT_SAME data, $BUF_SEG, $0, $0, $BOOT_ADDR, $probe_bytes
    EXPECT_UNTOUCHED guard, $BUF_SEG, $probe_bytes, $GUARD_LEN
    END
    ret

chk_02_2:
    BEGIN 02.2, "read the last CHS sector (08h geometry)"
    REQUIRE_GEOM
    movl g_chs_total, %eax
    decl %eax
    movl %eax, t_lba
    call lba_to_chs
    FILL $BUF_SEG, $0, $SECTOR+GUARD_LEN
    INT13 ax=$0x0201, es=$BUF_SEG, bx=$0, cx=t_cx, dx=t_dx
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, o_ax, $1, b
    EXPECT_PATTERN $BUF_SEG, $0, t_lba, $1
    EXPECT_UNTOUCHED guard, $BUF_SEG, $SECTOR, $GUARD_LEN
    END
    ret

chk_02_3:
    BEGIN 02.3, "42h read of the last CHS sector matches 02.2"
    REQUIRE_GEOM
    FILL $BUF2_SEG, $0, $SECTOR+GUARD_LEN
    DAP $1, $BUF2_SEG, $0, t_lba
    INT13 ax=$0x4200, si=$dap
    EXPECT_CF_AH 0, ST_OK
    EXPECT_SAME same, $BUF_SEG, $0, $BUF2_SEG, $0, $SECTOR
    END
    ret

chk_02_4:
    BEGIN 02.4, "read 4 across a head and cylinder boundary"
    REQUIRE_GEOM
    /* start 2 sectors before the end of cylinder CROSS_CYL */
    movl g_heads, %eax
    mull g_spt
    movl $CROSS_CYL + 1, %edx
    mull %edx
    subl $CROSS_SECTORS / 2, %eax
    movl %eax, t_lba
    call lba_to_chs
    FILL $BUF_SEG, $0, $CROSS_SECTORS*SECTOR+GUARD_LEN
    INT13 ax=$0x0200+CROSS_SECTORS, es=$BUF_SEG, bx=$0, cx=t_cx, dx=t_dx
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, o_ax, $CROSS_SECTORS, b
    EXPECT_PATTERN $BUF_SEG, $0, t_lba, $CROSS_SECTORS
    EXPECT_UNTOUCHED guard, $BUF_SEG, $CROSS_SECTORS*SECTOR, $GUARD_LEN
    END
    ret

chk_02_5:
    BEGIN 02.5, "read sector 0 is invalid"
    FILL $BUF_SEG, $0, $SECTOR+GUARD_LEN
    INT13 ax=$0x0201, es=$BUF_SEG, bx=$0, cx=$0x0000
    EXPECT_CF_AH 1, ST_BAD_PARAM
    EXPECT_UNTOUCHED buf, $BUF_SEG, $0, $SECTOR+GUARD_LEN
    END
    ret

chk_02_6:
    BEGIN 02.6, "read count 0 is invalid"
    FILL $BUF_SEG, $0, $SECTOR+GUARD_LEN
    INT13 ax=$0x0200, es=$BUF_SEG, bx=$0, cx=$0x0001
    EXPECT_CF_AH 1, ST_BAD_PARAM
    EXPECT_UNTOUCHED buf, $BUF_SEG, $0, $SECTOR+GUARD_LEN
    END
    ret

chk_02_7:
    BEGIN 02.7, "read head beyond the geometry"
    REQUIRE_GEOM
    movl g_heads, %eax
    cmpl $0xff, %eax
    jbe 1f
    movw $msg_256_heads, %si
    jmp check_skip                      /* DH cannot name a head past 255 */
1:  movb %al, %ah                       /* DH = heads (one past the last) */
    movb boot_drive, %al
    movw %ax, t_dx
    FILL $BUF_SEG, $0, $SECTOR+GUARD_LEN
    INT13 ax=$0x0201, es=$BUF_SEG, bx=$0, cx=$0x0001, dx=t_dx
    EXPECT_CF_AH 1, ST_BAD_PARAM
    EXPECT_UNTOUCHED buf, $BUF_SEG, $0, $SECTOR+GUARD_LEN
    END
    ret

/* ---- 03 CHS write, 43 extended write ---------------------------------------------- */

chk_03_1:
    BEGIN 03.1, "write 2 at the scratch area"
    REQUIRE_GEOM
    movl $SCRATCH_LBA, %eax
    call lba_to_chs
    MAKE_PATTERN $BUF_SEG, $0, $SCRATCH_LBA, $WRITE_SECTORS, $SALT_WRITE
    INT13 ax=$0x0300+WRITE_SECTORS, es=$BUF_SEG, bx=$0, cx=t_cx, dx=t_dx
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, o_ax, $WRITE_SECTORS, b
    END
    ret

chk_03_2:
    BEGIN 03.2, "read back 03.1 with 02h"
    REQUIRE_GEOM
    movl $SCRATCH_LBA, %eax
    call lba_to_chs
    FILL $BUF2_SEG, $0, $WRITE_SECTORS*SECTOR+GUARD_LEN
    INT13 ax=$0x0200+WRITE_SECTORS, es=$BUF2_SEG, bx=$0, cx=t_cx, dx=t_dx
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, o_ax, $WRITE_SECTORS, b
    EXPECT_PATTERN $BUF2_SEG, $0, $SCRATCH_LBA, $WRITE_SECTORS, $SALT_WRITE
    EXPECT_UNTOUCHED guard, $BUF2_SEG, $WRITE_SECTORS*SECTOR, $GUARD_LEN
    END
    ret

chk_03_3:
    BEGIN 03.3, "read back 03.1 with 42h"
    FILL $BUF2_SEG, $0, $WRITE_SECTORS*SECTOR+GUARD_LEN
    DAP $WRITE_SECTORS, $BUF2_SEG, $0, $SCRATCH_LBA
    INT13 ax=$0x4200, si=$dap
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, dap+DAP_COUNT, $WRITE_SECTORS
    EXPECT_PATTERN $BUF2_SEG, $0, $SCRATCH_LBA, $WRITE_SECTORS, $SALT_WRITE
    END
    ret

chk_43_1:
    BEGIN 43.1, "ext write 4 at the scratch area (restores the image)"
    MAKE_PATTERN $BUF_SEG, $0, $SCRATCH_LBA, $RESTORE_SECTORS
    DAP $RESTORE_SECTORS, $BUF_SEG, $0, $SCRATCH_LBA
    INT13 ax=$0x4300, si=$dap           /* AL = 0: write without verify */
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, dap+DAP_COUNT, $RESTORE_SECTORS
    END
    ret

chk_43_2:
    BEGIN 43.2, "read back 43.1 with 42h"
    FILL $BUF2_SEG, $0, $RESTORE_SECTORS*SECTOR+GUARD_LEN
    DAP $RESTORE_SECTORS, $BUF2_SEG, $0, $SCRATCH_LBA
    INT13 ax=$0x4200, si=$dap
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, dap+DAP_COUNT, $RESTORE_SECTORS
    EXPECT_PATTERN $BUF2_SEG, $0, $SCRATCH_LBA, $RESTORE_SECTORS
    END
    ret

chk_43_3:
    BEGIN 43.3, "ext write past the end"
    REQUIRE_SIZE
    MAKE_PATTERN $BUF_SEG, $0, $SCRATCH_LBA, $1
    DAP $1, $BUF_SEG, $0, g_total, g_total+4
    INT13 ax=$0x4300, si=$dap
    EXPECT_CF_AH 1, ST_BAD_PARAM
    EXPECT n, dap+DAP_COUNT, $0
    END
    ret

/* ---- 04 verify, 44 extended verify, 47 extended seek ------------------------------- */

chk_04_1:
    BEGIN 04.1, "verify 4"
    REQUIRE_GEOM
    movl $PATTERN_LBA, %eax
    call lba_to_chs
    FILL $BUF_SEG, $0, $VERIFY_SECTORS*SECTOR+GUARD_LEN
    INT13 ax=$0x0400+VERIFY_SECTORS, es=$BUF_SEG, bx=$0, cx=t_cx, dx=t_dx
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, o_ax, $VERIFY_SECTORS, b
    EXPECT_UNTOUCHED buf, $BUF_SEG, $0, $VERIFY_SECTORS*SECTOR+GUARD_LEN
    END
    ret

chk_44_1:
    BEGIN 44.1, "ext verify 4"
    FILL $BUF_SEG, $0, $VERIFY_SECTORS*SECTOR+GUARD_LEN
    DAP $VERIFY_SECTORS, $BUF_SEG, $0, $PATTERN_LBA
    INT13 ax=$0x4400, si=$dap
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, dap+DAP_COUNT, $VERIFY_SECTORS
    EXPECT_UNTOUCHED buf, $BUF_SEG, $0, $VERIFY_SECTORS*SECTOR+GUARD_LEN
    END
    ret

chk_44_2:
    BEGIN 44.2, "ext verify past the end"
    REQUIRE_SIZE
    DAP $1, $BUF_SEG, $0, g_total, g_total+4
    INT13 ax=$0x4400, si=$dap
    EXPECT_CF_AH 1, ST_BAD_PARAM
    END
    ret

chk_47_1:
    BEGIN 47.1, "ext seek"
    DAP $0, $0, $0, $PATTERN_LBA
    INT13 ax=$0x4700, si=$dap
    EXPECT_CF_AH 0, ST_OK
    END
    ret

chk_47_2:
    BEGIN 47.2, "ext seek past the end"
    REQUIRE_SIZE
    DAP $0, $0, $0, g_total, g_total+4
    INT13 ax=$0x4700, si=$dap
    EXPECT_CF_AH 1, ST_BAD_PARAM
    END
    ret

/* ---- 42 extended read ------------------------------------------------------------- */

chk_42_1:
    BEGIN 42.1, "ext read lba=128 n=1"
    FILL $BUF_SEG, $0, $SECTOR+GUARD_LEN
    DAP $1, $BUF_SEG, $0, $PATTERN_LBA
    INT13 ax=$0x4200, si=$dap
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, dap+DAP_COUNT, $1
    EXPECT_PATTERN $BUF_SEG, $0, $PATTERN_LBA, $1
    EXPECT_UNTOUCHED guard, $BUF_SEG, $SECTOR, $GUARD_LEN
    END
    ret

chk_42_2:
    BEGIN 42.2, "ext read lba=129 n=16"
    FILL $BUF_SEG, $0, $MULTI_SECTORS*SECTOR+GUARD_LEN
    DAP $MULTI_SECTORS, $BUF_SEG, $0, $MULTI_LBA
    INT13 ax=$0x4200, si=$dap
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, dap+DAP_COUNT, $MULTI_SECTORS
    EXPECT_PATTERN $BUF_SEG, $0, $MULTI_LBA, $MULTI_SECTORS
    EXPECT_UNTOUCHED guard, $BUF_SEG, $MULTI_SECTORS*SECTOR, $GUARD_LEN
    END
    ret

chk_42_3:
    BEGIN 42.3, "ext read the last sector (48h size)"
    REQUIRE_SIZE
    FILL $BUF_SEG, $0, $SECTOR+GUARD_LEN
    DAP $1, $BUF_SEG, $0, last_lba, last_lba+4
    INT13 ax=$0x4200, si=$dap
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, dap+DAP_COUNT, $1
    EXPECT_PATTERN $BUF_SEG, $0, last_lba, $1
    EXPECT_UNTOUCHED guard, $BUF_SEG, $SECTOR, $GUARD_LEN
    END
    ret

chk_42_4:
    BEGIN 42.4, "ext read past the end (lba=size) n=1"
    REQUIRE_SIZE
    FILL $BUF_SEG, $0, $SECTOR+GUARD_LEN
    DAP $1, $BUF_SEG, $0, g_total, g_total+4
    INT13 ax=$0x4200, si=$dap
    EXPECT_CF_AH 1, ST_BAD_PARAM
    EXPECT n, dap+DAP_COUNT, $0
    EXPECT_UNTOUCHED buf, $BUF_SEG, $0, $SECTOR+GUARD_LEN
    END
    ret

chk_42_5:
    BEGIN 42.5, "ext read straddling the end (lba=size-1) n=2"
    REQUIRE_SIZE
    FILL $BUF_SEG, $0, $2*SECTOR+GUARD_LEN
    DAP $2, $BUF_SEG, $0, last_lba, last_lba+4
    INT13 ax=$0x4200, si=$dap
    EXPECT_CF_AH 1, ST_BAD_PARAM
    EXPECT n, dap+DAP_COUNT, $0
    EXPECT_UNTOUCHED buf, $BUF_SEG, $0, $2*SECTOR+GUARD_LEN
    END
    ret

chk_42_6:
    BEGIN 42.6, "ext read lba=2^32*(size_hi+1)+128 (64-bit LBA, past the end)"
    REQUIRE_SIZE
    movl g_total+4, %eax
    incl %eax
    movl %eax, t_hi
    FILL $BUF_SEG, $0, $SECTOR+GUARD_LEN
    DAP $1, $BUF_SEG, $0, $PATTERN_LBA, t_hi
    INT13 ax=$0x4200, si=$dap
    EXPECT_CF_AH 1, ST_BAD_PARAM
    EXPECT n, dap+DAP_COUNT, $0
    EXPECT_UNTOUCHED buf, $BUF_SEG, $0, $SECTOR+GUARD_LEN
    END
    ret

chk_42_7:
    BEGIN 42.7, "ext read count 0"
    FILL $BUF_SEG, $0, $SECTOR+GUARD_LEN
    DAP $0, $BUF_SEG, $0, $PATTERN_LBA
    INT13 ax=$0x4200, si=$dap
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, dap+DAP_COUNT, $0
    EXPECT_UNTOUCHED buf, $BUF_SEG, $0, $SECTOR+GUARD_LEN
    END
    ret

chk_42_8:
    BEGIN 42.8, "ext read n=127 to 1F00:0000 (across linear 0x20000)"
    FILL $BELOW_BIG_SEG, $0, $GUARD_LEN
    FILL $BIG_SEG, $0, $BIG_BYTES+GUARD_LEN
    DAP $BIG_SECTORS, $BIG_SEG, $0, $BIG_LBA
    INT13 ax=$0x4200, si=$dap
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, dap+DAP_COUNT, $BIG_SECTORS
    EXPECT_PATTERN $BIG_SEG, $0, $BIG_LBA, $BIG_SECTORS
    EXPECT_UNTOUCHED guard, $BIG_SEG, $BIG_BYTES, $GUARD_LEN
    EXPECT_UNTOUCHED guard_below, $BELOW_BIG_SEG, $0, $GUARD_LEN
    END
    ret

/* ======================================================================================
 * CD checks: the probe booted from a CD (DL >= E0h), as the no-emulation boot image of an
 * ISO (tests/probe/run.sh PROBE_MEDIA=cd). Sectors are 2048 bytes; what the checks compare
 * against comes from the disc itself: the ISO 9660 primary volume descriptor (its size) and
 * the El Torito boot record and catalog (where this image is). Expected results, where
 * SeaBIOS (src/cdrom.c, src/disk.c) decides:
 *   CD.1   DL at entry is a CD number (E0h..)
 *   CD.2   42h reads the volume descriptor: "CD001", 2048 bytes, nothing after them
 *   CD.3   48h: 2048-byte sectors, the volume's size (at least)
 *   CD.4   41h: EDD 3.0 with 42h-44h, 47h, 48h (CX bits 0 and 2)
 *   CD.5   42h reads this probe back from the LBA the catalog gives (4 sectors)
 *   CD.6   4B01h (emulation status, DL = this CD) returns the specification packet:
 *          size 13h, media 0 (no emulation), drive = DL, the image's LBA
 *   CD.7   43h (write) is refused: CF=1 AH=03, the sector stays as it was
 *   CD.8   42h past the end of the disc: CF=1, nothing transferred
 *   CD.9   02h (CHS) on the CD: CF=1, nothing transferred (CHS addresses 512-byte sectors)
 *   CD.10  42h on the next CD drive (DL + 1), an empty one (run.sh attaches it): CF=1,
 *          nothing transferred, AH=31h ("no media in drive", EDD) or 0Ch (SeaBIOS: every
 *          failed ATAPI read is DISK_RET_EBADTRACK); never an OK or "invalid parameter"
 * Differs from SeaBIOS on purpose, as 42.4 does for disks:
 *   CD.8   a range past the end is refused before the device sees it: AH=01h; SeaBIOS
 *          passes it to the drive and returns its error, AH=0Ch.
 * ====================================================================================== */
CD_SECTOR       = 2048
CD_SECTOR_PARAS = CD_SECTOR / 16
ISO_PVD_LBA     = 16    /* ISO 9660 8.4: the primary volume descriptor                  */
ISO_STD_ID      = 1     /* "CD001"                                                      */
ISO_STD_ID_LEN  = 5
ISO_VOLUME_SIZE = 80    /* dword (both-endian field, little-endian half): logical blocks */
ET_BOOT_RECORD_LBA = 17 /* El Torito 2.0: the boot record volume descriptor             */
ET_CATALOG_LBA  = 0x47  /* dword: first sector of the boot catalog                      */
ET_DEFAULT      = 0x20  /* the initial/default entry, after the validation entry        */
ET_ENTRY_RBA    = ET_DEFAULT + 8 /* dword: the image's first CD sector                  */
ET_SPEC_SIZE    = 0x13  /* 4B01h: specification packet, El Torito 5.4 / Figure 11       */
ET_SPEC_MEDIA   = 1     /* byte: bits 0-3 media type, 0 = no emulation                  */
ET_SPEC_DRIVE   = 2
ET_SPEC_LBA     = 4     /* dword */
ET_MEDIA_MASK   = 0x0f
ET_NO_EMULATION = 0
ET_STATUS       = 0x4b01  /* AL=01: return status only; AL=00 would also terminate */
CD_READBACK_SECTORS = 4 /* CD.5 compares the first 8 KiB of the probe                   */
ST_WRITE_PROTECTED = 0x03
ST_NO_MEDIA     = 0x31
ST_BAD_TRACK    = 0x0c

cd_main:
    PRINT "PROBE START int13 CD probe\n"
    PRINT "PROBE INFO boot dl="
    PNUM boot_drive, b, FMT_HEX8
    PRINT "\n"
    movw $cd_checks, %si
    jmp run_checks

    .section .rodata
cd_checks:
    .word chk_CD_1, chk_CD_2, chk_CD_3, chk_CD_4, chk_CD_5, chk_CD_6, chk_CD_7
    .word chk_CD_8, chk_CD_9, chk_CD_10
    .word 0
    .text

/* EAX = LBA, CX = count: ext read into BUF_SEG:0 (filled with guard bytes first, with
 * GUARD_LEN more); results in o_* and dap. */
cd_read:
    pushl %eax
    pushw %cx
    movw %cx, %ax
    shlw $11, %ax                   /* count * CD_SECTOR */
    addw $GUARD_LEN, %ax
    movw %ax, t_w
    FILL $BUF_SEG, $0, t_w
    popw %cx
    popl %eax
    movl %eax, t_l
    DAP %cx, $BUF_SEG, $0, t_l
    INT13 ax=$0x4200, si=$dap
    ret

chk_CD_1:
    BEGIN CD.1, "boot drive is a CD number"
    movb boot_drive, %al
    cmpb $FIRST_CD, %al
    setae %al
    EXPECT_OK cd_number
    END
    ret

chk_CD_2:
    BEGIN CD.2, "ext read the volume descriptor (lba 16)"
    movl $ISO_PVD_LBA, %eax
    movw $1, %cx
    call cd_read
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, dap+DAP_COUNT, $1
    EXPECT_SAME CD001, $BUF_SEG, $ISO_STD_ID, $0, $iso_std_id, $ISO_STD_ID_LEN
    EXPECT_UNTOUCHED guard, $BUF_SEG, $CD_SECTOR, $GUARD_LEN
    END
    JUMP_IF_CALL_FAILED 9f
    pushw %es
    movw $BUF_SEG, %ax
    movw %ax, %es
    movl %es:ISO_VOLUME_SIZE, %eax
    popw %es
    movl %eax, cd_blocks
    PRINT "PROBE INFO iso blocks="
    PNUM cd_blocks
    PRINT "\n"
9:  ret

chk_CD_3:
    BEGIN CD.3, "parameters: 2048-byte sectors, the volume's size"
    movw $EDD_2_SIZE, %ax
    call call_48
    EXPECT_CF_AH 0, ST_OK
    EXPECT bps, edd_buf+EDD_BPS, $CD_SECTOR
    /* The disc may be larger than the volume (padding), never smaller. */
    movl edd_buf+EDD_SECTORS, %eax
    movl %eax, cd_size
    cmpl cd_blocks, %eax
    setae %al
    EXPECT_OK not_below_volume
    END
    ret

chk_CD_4:
    BEGIN CD.4, "extensions check"
    call check_extensions
    ret

chk_CD_5:
    BEGIN CD.5, "ext read this probe back (catalog's lba)"
    movl $ET_BOOT_RECORD_LBA, %eax
    movw $1, %cx
    call cd_read
    pushw %es
    movw $BUF_SEG, %ax
    movw %ax, %es
    movl %es:ET_CATALOG_LBA, %eax
    popw %es
    movw $1, %cx
    call cd_read
    pushw %es
    movw $BUF_SEG, %ax
    movw %ax, %es
    movl %es:ET_ENTRY_RBA, %eax
    popw %es
    movl %eax, cd_image_lba
    movw $CD_READBACK_SECTORS, %cx
    call cd_read
    EXPECT_CF_AH 0, ST_OK
    EXPECT n, dap+DAP_COUNT, $CD_READBACK_SECTORS
    EXPECT_SAME same, $BUF_SEG, $0, $0, $BOOT_ADDR, $CD_READBACK_SECTORS*CD_SECTOR
    EXPECT_UNTOUCHED guard, $BUF_SEG, $CD_READBACK_SECTORS*CD_SECTOR, $GUARD_LEN
    END
    PRINT "PROBE INFO image lba="
    PNUM cd_image_lba
    PRINT "\n"
    ret

chk_CD_6:
    BEGIN CD.6, "4B01 emulation status: specification packet"
    FILL $0, $edd_buf, $EDD_BUF_LEN
    movb $ET_SPEC_SIZE, edd_buf
    INT13 ax=$ET_STATUS, si=$edd_buf
    EXPECT_CF_AH 0, ST_OK
    EXPECT size, edd_buf, $ET_SPEC_SIZE, b, FMT_HEX8
    movb edd_buf+ET_SPEC_MEDIA, %al
    andb $ET_MEDIA_MASK, %al
    movb %al, t_w
    EXPECT media, t_w, $ET_NO_EMULATION, b
    EXPECT drive, edd_buf+ET_SPEC_DRIVE, boot_drive, b, FMT_HEX8
    EXPECT lba, edd_buf+ET_SPEC_LBA, cd_image_lba, l
    END
    ret

chk_CD_7:
    BEGIN CD.7, "ext write lba 16: write-protected"
    FILL $BUF2_SEG, $0, $CD_SECTOR
    DAP $1, $BUF2_SEG, $0, $ISO_PVD_LBA
    INT13 ax=$0x4300, si=$dap
    EXPECT_CF_AH 1, ST_WRITE_PROTECTED
    EXPECT n, dap+DAP_COUNT, $0
    movl $ISO_PVD_LBA, %eax
    movw $1, %cx
    call cd_read
    EXPECT_SAME unchanged, $BUF_SEG, $ISO_STD_ID, $0, $iso_std_id, $ISO_STD_ID_LEN
    END
    ret

chk_CD_8:
    BEGIN CD.8, "ext read lba = size: refused"
    movl cd_size, %eax
    movw $1, %cx
    call cd_read
    EXPECT_CF_AH 1, ST_BAD_PARAM
    EXPECT n, dap+DAP_COUNT, $0
    EXPECT_UNTOUCHED buffer, $BUF_SEG, $0, $CD_SECTOR+GUARD_LEN
    END
    ret

chk_CD_9:
    BEGIN CD.9, "CHS read on the CD: refused"
    FILL $BUF_SEG, $0, $SECTOR+GUARD_LEN
    INT13 ax=$0x0201, bx=$0, cx=$0x0001, es=$BUF_SEG
    movb o_fl, %al
    andb $CF_BIT, %al
    movb %al, t_w
    EXPECT CF, t_w, $1, b
    EXPECT_UNTOUCHED buffer, $BUF_SEG, $0, $SECTOR+GUARD_LEN
    END
    ret

chk_CD_10:
    BEGIN CD.10, "ext read on the empty CD drive: no media"
    movl $ISO_PVD_LBA, %eax
    movl %eax, t_l
    FILL $BUF_SEG, $0, $CD_SECTOR+GUARD_LEN
    DAP $1, $BUF_SEG, $0, t_l
    movw drive_w, %dx
    incb %dl
    movw %dx, t_w
    INT13 ax=$0x4200, si=$dap, dx=t_w
    EXPECT_CF_AH_EITHER 1, ST_NO_MEDIA, 1, ST_BAD_TRACK
    EXPECT_UNTOUCHED buffer, $BUF_SEG, $0, $CD_SECTOR+GUARD_LEN
    END
    ret

iso_std_id: .ascii "CD001"

/* ---- Not a function --------------------------------------------------------------- */

chk_7F_1:
    BEGIN 7F.1, "not a function"
    INT13 ax=$UNKNOWN_FN << 8
    EXPECT_CF_AH 1, ST_BAD_PARAM
    END
    ret

/* ---- Absent drives: DL = 0x80 + (08h disk count), and floppy 0 when none ------------ */

chk_02_8:
    BEGIN 02.8, "read from an absent hard disk"
    FILL $BUF_SEG, $0, $SECTOR+GUARD_LEN
    INT13 ax=$0x0201, es=$BUF_SEG, bx=$0, cx=$0x0001, dx=absent_w
    EXPECT_CF_AH 1, ST_BAD_PARAM
    EXPECT_UNTOUCHED buf, $BUF_SEG, $0, $SECTOR+GUARD_LEN
    END
    ret

chk_42_9:
    BEGIN 42.9, "ext read from an absent hard disk"
    FILL $BUF_SEG, $0, $SECTOR+GUARD_LEN
    DAP $1, $BUF_SEG, $0, $PATTERN_LBA
    INT13 ax=$0x4200, si=$dap, dx=absent_w
    EXPECT_CF_AH 1, ST_BAD_PARAM
    EXPECT_UNTOUCHED buf, $BUF_SEG, $0, $SECTOR+GUARD_LEN
    END
    ret

chk_08_3:
    BEGIN 08.3, "parameters of an absent hard disk"
    INT13 ax=$0x0800, dx=absent_w
    EXPECT_CF_AH 1, ST_BAD_PARAM
    END
    ret

chk_41_2:
    BEGIN 41.2, "extensions check on an absent hard disk"
    INT13 ax=$0x4100, bx=$EXT_CHECK_IN, dx=absent_w
    EXPECT_CF_AH 1, ST_BAD_PARAM
    END
    ret

chk_48_7:
    BEGIN 48.7, "parameters of an absent hard disk"
    FILL $0, $edd_buf, $EDD_BUF_LEN
    movw $EDD_1_SIZE, edd_buf+EDD_SIZE
    INT13 ax=$0x4800, si=$edd_buf, dx=absent_w
    EXPECT_CF_AH 1, ST_BAD_PARAM
    END
    ret

chk_02_9:
    BEGIN 02.9, "read from floppy 0 when the BDA lists none"
    testb $EQUIP_FLOPPY, BDA_EQUIPMENT
    jz 1f
    movw $msg_floppy, %si
    jmp check_skip
1:  FILL $BUF_SEG, $0, $SECTOR + GUARD_LEN
    INT13 ax=$0x0201, es=$BUF_SEG, bx=$0, cx=$0x0001, dx=$0x0000
    EXPECT_CF_AH 1, ST_BAD_PARAM
    EXPECT_UNTOUCHED buf, $BUF_SEG, $0, $SECTOR+GUARD_LEN
    END
    ret

/* ======================================================================================
 * int 1Ah AH=B1h: the PCI BIOS, and its 32-bit interface through the BIOS32 directory
 *
 * Expectations come from the PCI BIOS Specification 2.1 and from the probe's own look at
 * configuration space (mechanism #1, ports CF8h/CFCh): the BIOS must find what is there.
 * The device looked for is the PCI IDE controller (class 01:01:80, as QEMU's and Xen's
 * PIIX3 IDE is); without one the checks that need it are skipped. Its place and BAR4 go
 * on INFO lines.
 *
 * The 32-bit checks switch to protected mode (flat 4 GiB segments, base 0, interrupts
 * off), far-call the BIOS32 entry the "_32_" header names with "$PCI", then far-call the
 * entry it returns, and come back to real mode: what an OS with pci=bios does.
 *
 * Checks where the spec and SeaBIOS differ; they FAIL under SeaBIOS (add them to its
 * PROBE_EXPECT_FAIL list):
 *  B1.7, B1.16  B102 with vendor FFFFh: BAD_VENDOR_ID (83h) (PCI BIOS 2.1, 2.3 "Find PCI
 *        Device"); SeaBIOS searches for it and answers DEVICE_NOT_FOUND (86h).
 *  B1.9, B1.15  a word (dword) access at a register not a multiple of 2 (4):
 *        BAD_REGISTER_NUMBER (87h) (2.3 "Read Configuration Word/Dword"); SeaBIOS does not
 *        check, and reads (CF=0).
 * ====================================================================================== */
PCI_FN_ID       = 0xb1
PCI_SIGNATURE   = 0x20494350 /* "PCI " in EDX after B101                         */
PCI_VERSION     = 0x0210
PCI_IDE_CLASS   = 0x010180   /* class 01 (storage), 01 (IDE), prog-if 80 (bus master) */
PCI_ST_NOT_SUPPORTED = 0x81
PCI_ST_BAD_VENDOR = 0x83
PCI_ST_NOT_FOUND = 0x86
PCI_ST_BAD_REGISTER = 0x87
PCI_CFG_ADDR    = 0xcf8
PCI_CFG_DATA    = 0xcfc
PCI_CFG_ENABLE  = 0x80000000
PCI_REG_ID      = 0x00
PCI_REG_CLASS   = 0x08      /* class code in bits 31:8 */
PCI_REG_HEADER  = 0x0c      /* header type in bits 23:16; bit 23: multi-function */
PCI_REG_BAR4    = 0x20
PCI_REG_BAR1    = 0x14
/* The Xen platform device (QEMU's xen-platform, hvmloader's guests): present on the Xen
 * bed, absent on plain QEMU. */
PCI_XEN_VENDOR  = 0x5853
PCI_XEN_DEVICE  = 0x0001
PCI_REG_IRQ_LINE = 0x3c     /* read/write on every function, no effect on the device */
PCI_MULTI_FN    = 0x00800000
PCI_NO_VENDOR   = 0xffff
PCI_NONE        = 0xffff    /* pci_ide when there is none */
PCI_MAX_INDEX   = 0x100     /* SI past any real count */
PCI_TEST_IRQ    = 0x5a
BIOS32_SIG      = 0x5f32335f /* "_32_" */
BIOS32_PCI      = 0x49435024 /* "$PCI" */
BIOS32_SCAN_SEG = 0xe000    /* 0xE0000-0xFFFFF, one paragraph at a time */
BIOS32_LEN      = 9         /* byte: length in paragraphs */
BIOS32_ENTRY    = 4         /* dword: entry point, physical */
SEL_CODE32      = 0x08
SEL_DATA32      = 0x10
SEL_CODE16      = 0x18
SEL_DATA16      = 0x20
SEL_CODE32_PCI  = 0x28      /* 32-bit code and data based at the $PCI base BIOS32 */
SEL_DATA32_PCI  = 0x30      /* returned: CS and DS as the calling convention has them */
DESC_BASE_LOW   = 2         /* descriptor bytes: base 15:0 at 2, 23:16 at 4, 31:24 at 7 */
DESC_BASE_MID   = 4
DESC_BASE_HIGH  = 7
CR0_PE          = 0x01

/* Call the PCI BIOS (int 1Ah; the 32-bit entry with in32=1; the 32-bit far pointer in
 * pm_target with in32=2) with these registers (those not given are 0); outputs land in p_eax .. p_edi and p_fl, and CF/AH in o_fl/o_ax for the
 * EXPECT_CF_AH and JUMP_IF_CALL_FAILED macros. */
.macro PCIBIOS eax, ebx, ecx, edx, esi, edi, in32=0
    call pci_clear
    movl \eax, %eax
    movl %eax, p_eax
    PCI_SET p_ebx, \ebx
    PCI_SET p_ecx, \ecx
    PCI_SET p_edx, \edx
    PCI_SET p_esi, \esi
    PCI_SET p_edi, \edi
    .if \in32
    .if \in32 == 1
    movl pci32_entry, %eax
    movl %eax, pm_target
    movw $SEL_CODE32, pm_target+4
    .endif
    call pm_far_call
    .else
    call do_int1a
    .endif
.endm
/* A register for PCIBIOS, when given (the others are 0). */
.macro PCI_SET reg, val
    .ifnb \val
    movl \val, %eax
    movl %eax, \reg
    .endif
.endm

/* Skip the rest of a check when there is no IDE controller. */
.macro REQUIRE_IDE
    cmpw $PCI_NONE, pci_ide
    jne .Lhave\@
    movw $msg_no_ide, %si
    jmp check_skip
.Lhave\@:
.endm
.macro REQUIRE_PCI32
    cmpl $0, pci32_entry
    jne .Lhave\@
    movw $msg_no_pci32, %si
    jmp check_skip
.Lhave\@:
.endm

/* p_eax .. p_edi = 0. */
pci_clear:
    pushal
    movw $p_eax, %di
    movw $6, %cx
    xorl %eax, %eax
    rep stosl
    popal
    ret

do_int1a:
    pushal
    movl p_eax, %eax
    movl p_ebx, %ebx
    movl p_ecx, %ecx
    movl p_edx, %edx
    movl p_esi, %esi
    movl p_edi, %edi
    int $0x1a
    jmp pci_outputs

/* Far call pm_target (offset32, selector) in 32-bit protected mode, registers from
 * p_eax .. p_edi; back in real mode with the outputs stored. */
pm_far_call:
    pushal
    cli
    lgdtl gdt32_desc
    movl %cr0, %eax
    orb $CR0_PE, %al
    movl %eax, %cr0
    ljmpl $SEL_CODE32, $pm_flat
    .code32
pm_flat:
    movw $SEL_DATA32, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movzwl %sp, %esp
    movzwl pm_ds, %eax                  /* DS for the callee (default: flat) */
    testl %eax, %eax
    jnz 1f
    movl $SEL_DATA32, %eax
1:  pushl %eax
    movl p_eax, %eax
    movl p_ebx, %ebx
    movl p_ecx, %ecx
    movl p_edx, %edx
    movl p_esi, %esi
    movl p_edi, %edi
    popl %ds
    lcall *%ss:pm_target                /* DS may not be flat now: SS is */
    pushfl
    pushl $SEL_DATA32
    popl %ds
    movl %eax, p_eax
    popl %eax
    movw %ax, p_fl
    movl %ebx, p_ebx
    movl %ecx, p_ecx
    movl %edx, p_edx
    movl %esi, p_esi
    movl %edi, p_edi
    ljmpl $SEL_CODE16, $pm_16
    .code16
pm_16:
    movw $SEL_DATA16, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl %cr0, %eax
    andb $~CR0_PE, %al
    movl %eax, %cr0
    ljmpw $0, $pm_real
pm_real:
    xorw %ax, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    sti
    cld
    movw p_fl, %ax
    movw %ax, o_fl
    movw p_eax, %ax
    movw %ax, o_ax
    popal
    ret

/* After int 1Ah: store the outputs (the pushal of do_int1a is still on the stack). */
pci_outputs:
    pushfw
    movl %eax, p_eax
    movl %ebx, p_ebx
    movl %ecx, p_ecx
    movl %edx, p_edx
    movl %esi, p_esi
    movl %edi, p_edi
    popw %ax
    movw %ax, p_fl
    movw %ax, o_fl
    movw p_eax, %ax
    movw %ax, o_ax
    xorw %ax, %ax
    movw %ax, %es
    cld
    popal
    ret

/* EBX = bdf, DL = register: EAX = its dword, read through mechanism #1. */
cfg_read:
    pushw %dx
    movzbl %dl, %eax
    andb $0xfc, %al
    pushl %ebx
    andl $0xffff, %ebx
    shll $8, %ebx
    orl %ebx, %eax
    popl %ebx
    orl $PCI_CFG_ENABLE, %eax
    movw $PCI_CFG_ADDR, %dx
    outl %eax, %dx
    movw $PCI_CFG_DATA, %dx
    inl %dx, %eax
    popw %dx
    ret

/* Call the routine at BP for every PCI function present, in bus order (buses 0 to
 * pci_last_bus), with BX = bus << 8 | dev << 3 | fn and ESI = its ID, until it returns
 * with CF set. The routine may use every register but BX and BP. */
pci_walk:
    pushal
    xorl %ebx, %ebx
1:  movb $PCI_REG_ID, %dl
    call cfg_read
    cmpw $PCI_NO_VENDOR, %ax
    je 3f
    movl %eax, %esi
    pushw %bx
    call *%bp
    popw %bx
    jc 6f
    testb $7, %bl                       /* function 0 of a single-function device: */
    jnz 5f                              /* functions 1-7 are not there */
    movb $PCI_REG_HEADER, %dl
    call cfg_read
    testl $PCI_MULTI_FN, %eax
    jnz 5f
    jmp 2f
3:  testb $7, %bl                       /* no function 0: no device */
    jnz 5f
2:  orb $7, %bl
5:  incl %ebx
    movl %ebx, %eax
    shrl $8, %eax
    cmpl $0xff, %eax
    ja 6f
    cmpb pci_last_bus, %al
    jbe 1b
6:  popal
    ret

/* The first function whose class code is PCI_IDE_CLASS, into pci_ide (PCI_NONE if
 * none), with its ID and BAR4. */
scan_ide:
    movw $PCI_NONE, pci_ide
    movw $match_ide, %bp
    jmp pci_walk
match_ide:
    movb $PCI_REG_CLASS, %dl
    call cfg_read
    shrl $8, %eax
    cmpl $PCI_IDE_CLASS, %eax
    jne 1f
    movw %bx, pci_ide
    movl %esi, pci_ide_id
    movb $PCI_REG_BAR4, %dl
    call cfg_read
    movl %eax, pci_ide_bar4
    stc
    ret
1:  clc
    ret

/* The Xen platform device, into pci_xen (PCI_NONE if none), with its class and BAR1. */
scan_xen:
    movw $PCI_NONE, pci_xen
    movw $match_xen, %bp
    jmp pci_walk
match_xen:
    cmpl $(PCI_XEN_DEVICE << 16 | PCI_XEN_VENDOR), %esi
    jne 1f
    movw %bx, pci_xen
    movb $PCI_REG_CLASS, %dl
    call cfg_read
    shrl $8, %eax
    movl %eax, pci_xen_class
    movb $PCI_REG_BAR1, %dl
    call cfg_read
    movl %eax, pci_xen_bar1
    stc
    ret
1:  clc
    ret

/* Print BX as bus:dev.fn. */
print_bdf:
    pushal
    movzbl %bh, %eax
    movb $FMT_HEX8, %cl
    call phex
    movb $':', %al
    call putc
    movzbl %bl, %eax
    shrb $3, %al
    call phex
    movb $'.', %al
    call putc
    movzbl %bl, %eax
    andb $7, %al
    movb $1, %cl
    call phex
    popal
    ret

chk_B1_1:
    BEGIN B1.1, "installation check"
    PCIBIOS eax=$0xb101
    EXPECT_CF_AH 0, 0x00
    EXPECT sig, p_edx, $PCI_SIGNATURE, l, FMT_HEX32
    movb p_eax, %al
    andb $1, %al
    EXPECT_OK mech1
    EXPECT version, p_ebx, $PCI_VERSION, w, FMT_HEX16
    END
    JUMP_IF_CALL_FAILED 1f
    movb p_ecx, %al
    movb %al, pci_last_bus
    PRINT "PROBE INFO pci last bus="
    PNUM p_ecx, b, FMT_HEX8
    PRINT " entry32="
    PNUM p_edi, l, FMT_HEX32
    PRINT "\n"
1:  call scan_ide
    ret

chk_B1_2:
    BEGIN B1.2, "B103 finds the IDE controller as a config scan does"
    PCIBIOS eax=$0xb103, ecx=$PCI_IDE_CLASS
    cmpw $PCI_NONE, pci_ide
    jne 1f
    EXPECT_CF_AH 1, PCI_ST_NOT_FOUND
    END
    ret
1:  EXPECT_CF_AH 0, 0x00
    EXPECT bdf, p_ebx, pci_ide, w, FMT_HEX16
    END
    PRINT "PROBE INFO pci ide at "
    movw pci_ide, %bx
    call print_bdf
    PRINT " id="
    PNUM pci_ide_id, l, FMT_HEX32
    PRINT " bar4="
    PNUM pci_ide_bar4, l, FMT_HEX32
    PRINT "\n"
    ret

chk_B1_3:
    BEGIN B1.3, "B102 finds it by its vendor and device ID"
    REQUIRE_IDE
    movzwl pci_ide_id, %edx
    movzwl pci_ide_id+2, %ecx
    PCIBIOS eax=$0xb102, ecx=%ecx, edx=%edx
    EXPECT_CF_AH 0, 0x00
    EXPECT bdf, p_ebx, pci_ide, w, FMT_HEX16
    END
    ret

chk_B1_4:
    BEGIN B1.4, "B10A reads ID, class and BAR4 as the config scan did"
    REQUIRE_IDE
    movzwl pci_ide, %ebx
    PCIBIOS eax=$0xb10a, ebx=%ebx, edi=$PCI_REG_ID
    EXPECT_CF_AH 0, 0x00
    EXPECT id, p_ecx, pci_ide_id, l, FMT_HEX32
    movzwl pci_ide, %ebx
    PCIBIOS eax=$0xb10a, ebx=%ebx, edi=$PCI_REG_CLASS
    movl p_ecx, %eax
    shrl $8, %eax
    EXPECT class, %eax, $PCI_IDE_CLASS, l, FMT_HEX32
    movzwl pci_ide, %ebx
    PCIBIOS eax=$0xb10a, ebx=%ebx, edi=$PCI_REG_BAR4
    EXPECT_CF_AH 0, 0x00
    EXPECT bar4, p_ecx, pci_ide_bar4, l, FMT_HEX32
    END
    ret

chk_B1_5:
    BEGIN B1.5, "B109 word and B108 byte reads"
    REQUIRE_IDE
    movzwl pci_ide, %ebx
    PCIBIOS eax=$0xb109, ebx=%ebx, ecx=$0xffffffff, edi=$PCI_REG_ID+2
    EXPECT_CF_AH 0, 0x00
    EXPECT device, p_ecx, pci_ide_id+2, w, FMT_HEX16
    EXPECT ecx_hi, p_ecx+2, $0xffff, w, FMT_HEX16
    movzwl pci_ide, %ebx
    PCIBIOS eax=$0xb108, ebx=%ebx, ecx=$0xffffffff, edi=$PCI_REG_CLASS+3
    EXPECT_CF_AH 0, 0x00
    EXPECT base_class, p_ecx, $PCI_IDE_CLASS>>16, b, FMT_HEX8
    END
    ret

chk_B1_6:
    BEGIN B1.6, "B10B writes the interrupt line, B108 reads it back"
    REQUIRE_IDE
    movb $PCI_REG_IRQ_LINE, %dl
    movw pci_ide, %bx
    call cfg_read
    movb %al, pci_saved
    movzwl pci_ide, %ebx
    PCIBIOS eax=$0xb10b, ebx=%ebx, ecx=$PCI_TEST_IRQ, edi=$PCI_REG_IRQ_LINE
    EXPECT_CF_AH 0, 0x00
    movzwl pci_ide, %ebx
    PCIBIOS eax=$0xb108, ebx=%ebx, edi=$PCI_REG_IRQ_LINE
    EXPECT line, p_ecx, $PCI_TEST_IRQ, b, FMT_HEX8
    movzwl pci_ide, %ebx
    movzbl pci_saved, %ecx
    PCIBIOS eax=$0xb10b, ebx=%ebx, ecx=%ecx, edi=$PCI_REG_IRQ_LINE
    EXPECT_CF_AH 0, 0x00
    END
    ret

chk_B1_7:
    BEGIN B1.7, "B102 with vendor FFFF"
    PCIBIOS eax=$0xb102, edx=$PCI_NO_VENDOR
    EXPECT_CF_AH 1, PCI_ST_BAD_VENDOR
    END
    ret

chk_B1_8:
    BEGIN B1.8, "B103 past the last match"
    PCIBIOS eax=$0xb103, ecx=$PCI_IDE_CLASS, esi=$PCI_MAX_INDEX
    EXPECT_CF_AH 1, PCI_ST_NOT_FOUND
    END
    ret

chk_B1_9:
    BEGIN B1.9, "B109 at an odd register"
    PCIBIOS eax=$0xb109, edi=$1
    EXPECT_CF_AH 1, PCI_ST_BAD_REGISTER
    END
    ret

chk_B1_10:
    BEGIN B1.10, "B1FF, not a function"
    PCIBIOS eax=$0xb1ff
    EXPECT_CF_AH 1, PCI_ST_NOT_SUPPORTED
    END
    ret

/* The "_32_" header: the first paragraph of 0xE0000-0xFFFFF holding the signature whose
 * length * 16 bytes sum to 0; its entry is called with "$PCI". */
chk_B1_11:
    BEGIN B1.11, "BIOS32 directory answers \$PCI"
    movw $BIOS32_SCAN_SEG, %ax
1:  movw %ax, %es
    cmpl $BIOS32_SIG, %es:0
    jne 3f
    movzbw %es:BIOS32_LEN, %cx
    shlw $4, %cx
    jz 3f
    xorw %si, %si
    xorb %dl, %dl
2:  addb %es:(%si), %dl
    incw %si
    loop 2b
    testb %dl, %dl
    jz 4f
3:  incw %ax
    jnz 1b
    xorw %ax, %ax
    movw %ax, %es
    movb $0, %al
    EXPECT_OK header
    END
    ret
4:  movl %es:BIOS32_ENTRY, %eax
    movl %eax, pm_target
    xorw %ax, %ax
    movw %ax, %es
    movb $1, %al
    EXPECT_OK header
    movw $SEL_CODE32, pm_target+4
    PCIBIOS eax=$BIOS32_PCI, in32=2     /* the directory's entry, in pm_target */
    EXPECT al, p_eax, $0, b, FMT_HEX8
    END
    cmpb $0, p_eax
    jne 5f
    movl p_ebx, %eax
    movl %eax, pci32_base
    movl p_edx, %eax
    movl %eax, pci32_offset
    addl p_ebx, %eax
    movl %eax, pci32_entry
    PRINT "PROBE INFO bios32 entry="
    PNUM pm_target, l, FMT_HEX32
    PRINT " $PCI base="
    PNUM p_ebx, l, FMT_HEX32
    PRINT " length="
    PNUM p_ecx, l, FMT_HEX32
    PRINT " entry="
    PNUM pci32_entry, l, FMT_HEX32
    PRINT "\n"
5:  ret

chk_B1_12:
    BEGIN B1.12, "32-bit B101 says what int 1Ah B101 says"
    REQUIRE_PCI32
    PCIBIOS eax=$0xb101, in32=1
    EXPECT_CF_AH 0, 0x00
    EXPECT sig, p_edx, $PCI_SIGNATURE, l, FMT_HEX32
    EXPECT version, p_ebx, $PCI_VERSION, w, FMT_HEX16
    EXPECT last_bus, p_ecx, pci_last_bus, b, FMT_HEX8
    EXPECT entry, p_edi, pci32_entry, l, FMT_HEX32
    END
    ret

chk_B1_13:
    BEGIN B1.13, "32-bit B103, B102, B10A find the IDE controller and its BAR4"
    REQUIRE_PCI32
    REQUIRE_IDE
    PCIBIOS eax=$0xb103, ecx=$PCI_IDE_CLASS, in32=1
    EXPECT_CF_AH 0, 0x00
    EXPECT class_bdf, p_ebx, pci_ide, w, FMT_HEX16
    movzwl pci_ide_id, %edx
    movzwl pci_ide_id+2, %ecx
    PCIBIOS eax=$0xb102, ecx=%ecx, edx=%edx, in32=1
    EXPECT_CF_AH 0, 0x00
    EXPECT id_bdf, p_ebx, pci_ide, w, FMT_HEX16
    movzwl pci_ide, %ebx
    PCIBIOS eax=$0xb10a, ebx=%ebx, edi=$PCI_REG_BAR4, in32=1
    EXPECT_CF_AH 0, 0x00
    EXPECT bar4, p_ecx, pci_ide_bar4, l, FMT_HEX32
    PCIBIOS eax=$0xb103, ecx=$PCI_IDE_CLASS, esi=$PCI_MAX_INDEX, in32=1
    EXPECT_CF_AH 1, PCI_ST_NOT_FOUND
    END
    ret

chk_B1_16:
    BEGIN B1.16, "32-bit B102 with vendor FFFF"
    REQUIRE_PCI32
    PCIBIOS eax=$0xb102, edx=$PCI_NO_VENDOR, in32=1
    EXPECT_CF_AH 1, PCI_ST_BAD_VENDOR
    END
    ret

/* What an OS that builds segments from the directory's answer does: CS and DS based at
 * the $PCI base, EIP = the offset (the BIOS32 calling convention: CS and DS cover the
 * service). The entry must work at any base (no absolute addresses). */
chk_B1_17:
    BEGIN B1.17, "32-bit B101 and B10A with CS and DS based at the \$PCI base"
    REQUIRE_PCI32
    movl pci32_base, %eax
    movw %ax, gdt32+SEL_CODE32_PCI+DESC_BASE_LOW
    movw %ax, gdt32+SEL_DATA32_PCI+DESC_BASE_LOW
    shrl $16, %eax
    movb %al, gdt32+SEL_CODE32_PCI+DESC_BASE_MID
    movb %al, gdt32+SEL_DATA32_PCI+DESC_BASE_MID
    movb %ah, gdt32+SEL_CODE32_PCI+DESC_BASE_HIGH
    movb %ah, gdt32+SEL_DATA32_PCI+DESC_BASE_HIGH
    movw $SEL_DATA32_PCI, pm_ds
    movl pci32_offset, %eax
    movl %eax, pm_target
    movw $SEL_CODE32_PCI, pm_target+4
    PCIBIOS eax=$0xb101, in32=2
    EXPECT_CF_AH 0, 0x00
    EXPECT sig, p_edx, $PCI_SIGNATURE, l, FMT_HEX32
    EXPECT last_bus, p_ecx, pci_last_bus, b, FMT_HEX8
    cmpw $PCI_NONE, pci_ide
    je 1f
    movzwl pci_ide, %ebx
    PCIBIOS eax=$0xb10a, ebx=%ebx, edi=$PCI_REG_BAR4, in32=2
    EXPECT_CF_AH 0, 0x00
    EXPECT bar4, p_ecx, pci_ide_bar4, l, FMT_HEX32
1:  movw $0, pm_ds
    END
    ret

chk_B1_14:
    BEGIN B1.14, "32-bit B1FF, not a function"
    REQUIRE_PCI32
    PCIBIOS eax=$0xb1ff, in32=1
    EXPECT_CF_AH 1, PCI_ST_NOT_SUPPORTED
    END
    ret

chk_B1_18:
    BEGIN B1.18, "B102 finds the Xen platform device where a config scan does, B10A its class and BAR1"
    call scan_xen
    PCIBIOS eax=$0xb102, ecx=$PCI_XEN_DEVICE, edx=$PCI_XEN_VENDOR
    cmpw $PCI_NONE, pci_xen
    jne 1f
    EXPECT_CF_AH 1, PCI_ST_NOT_FOUND
    END
    PRINT "PROBE INFO pci xen platform: none\n"
    ret
1:  EXPECT_CF_AH 0, 0x00
    EXPECT bdf, p_ebx, pci_xen, w, FMT_HEX16
    movzwl pci_xen, %ebx
    PCIBIOS eax=$0xb10a, ebx=%ebx, edi=$PCI_REG_CLASS
    movl p_ecx, %eax
    shrl $8, %eax
    EXPECT class, %eax, pci_xen_class, l, FMT_HEX32
    movzwl pci_xen, %ebx
    PCIBIOS eax=$0xb10a, ebx=%ebx, edi=$PCI_REG_BAR1
    EXPECT_CF_AH 0, 0x00
    EXPECT bar1, p_ecx, pci_xen_bar1, l, FMT_HEX32
    END
    PRINT "PROBE INFO pci xen platform at "
    movw pci_xen, %bx
    call print_bdf
    PRINT " class="
    PNUM pci_xen_class, l, FMT_HEX32
    PRINT " bar1="
    PNUM pci_xen_bar1, l, FMT_HEX32
    PRINT "\n"
    ret

chk_B1_15:
    BEGIN B1.15, "32-bit B10A at a register not a multiple of 4"
    REQUIRE_PCI32
    PCIBIOS eax=$0xb10a, edi=$2, in32=1
    EXPECT_CF_AH 1, PCI_ST_BAD_REGISTER
    END
    ret

    .section .rodata
msg_no_ide:     .asciz "no PCI IDE controller (class 01:01:80)"
msg_no_pci32:   .asciz "no 32-bit PCI BIOS from the BIOS32 directory"
    .balign 8
gdt32:
    .quad 0
    .quad 0x00cf9a000000ffff            /* 0x08: 32-bit code, base 0, 4 GiB, execute/read */
    .quad 0x00cf92000000ffff            /* 0x10: 32-bit data, base 0, 4 GiB */
    .quad 0x00009a000000ffff            /* 0x18: 16-bit code, base 0, 64 KiB */
    .quad 0x000092000000ffff            /* 0x20: 16-bit data, base 0, 64 KiB */
    .quad 0x00409a000000ffff            /* 0x28: 32-bit code, 64 KiB, base set by B1.17 */
    .quad 0x004092000000ffff            /* 0x30: 32-bit data, 64 KiB, base set by B1.17 */
gdt32_end:
gdt32_desc:
    .word gdt32_end - gdt32 - 1
    .long gdt32
    .text

    .section .rodata
msg_256_heads:  .asciz "256 heads, DH cannot name one past the last"
msg_floppy:     .asciz "BDA 40:10 lists a floppy drive"

/* The loader's proof that it loaded the whole probe: linked last (probe.ld). */
    .section .magic, "a"
body_magic:     .long BODY_MAGIC

/* ======================================================================================
 * Variables (.bss at 0x600, cleared by the boot sector; not on the disk)
 * ====================================================================================== */
    .bss
boot_drive:     .byte 0
g_hdcount:      .byte 0
geom_ok:        .byte 0     /* 08h succeeded with a usable geometry */
size_ok:        .byte 0     /* 48h succeeded with a usable size */
cur_fail:       .byte 0     /* the current check has failed */
sink:           .byte 0     /* putc writes the expectation text */
    .balign 4
drive_w:        .word 0     /* DX for calls on the boot drive: DH = 0, DL = drive */
absent_w:       .word 0     /* DX for calls on the first absent hard disk */
n_pass:         .word 0
n_fail:         .word 0
n_skip:         .word 0
o_ax:           .word 0     /* registers after the last int 13h */
o_bx:           .word 0
o_cx:           .word 0
o_dx:           .word 0
o_si:           .word 0
o_di:           .word 0
o_es:           .word 0
o_fl:           .word 0
t_cx:           .word 0     /* CHS registers computed by lba_to_chs */
t_dx:           .word 0
t_w:            .word 0
t_l:            .long 0
cd_blocks:      .long 0     /* CD: the ISO volume's size (PVD), in 2048-byte blocks */
cd_size:        .long 0     /* CD: the size 48h reports */
cd_image_lba:   .long 0     /* CD: where the catalog says this probe is */
    .balign 4
t_lba:          .long 0     /* an LBA computed by a check */
t_hi:           .long 0     /* bits 32-63 of an LBA computed by a check */
g_cyls:         .long 0     /* 08h geometry (counts, not highest numbers) */
g_heads:        .long 0
g_spt:          .long 0
g_chs_total:    .long 0     /* cyls * heads * spt */
g_total:        .quad 0     /* 48h total sectors */
last_lba:       .quad 0     /* g_total - 1 */
dap:            .space DAP_SIZE
edd_buf:        .space EDD_BUF_LEN
line_len:       .word 0
line_buf:       .space LINE_MAX /* the line being printed */
exp_ptr:        .word 0
exp_text:       .space 160  /* " CF=1 AH=01 n=0 ..." of the current check */
    .balign 4
p_eax:          .long 0     /* registers for and after the last PCI BIOS call */
p_ebx:          .long 0
p_ecx:          .long 0
p_edx:          .long 0
p_esi:          .long 0
p_edi:          .long 0
p_fl:           .word 0
pm_target:      .long 0     /* far pointer for a 32-bit call: offset, selector */
                .word 0
pci32_entry:    .long 0     /* the 32-bit PCI BIOS, linear (0: none) */
pci32_base:     .long 0     /* ... as the directory gave it: base and offset */
pci32_offset:   .long 0
pm_ds:          .word 0     /* DS selector for a 32-bit call (0: flat) */
pci_ide_id:     .long 0     /* device << 16 | vendor of the IDE controller */
pci_ide_bar4:   .long 0
pci_ide:        .word 0     /* its bus << 8 | dev << 3 | fn, PCI_NONE if none */
pci_xen:        .word 0     /* the Xen platform device's place, PCI_NONE if none */
pci_xen_class:  .long 0
pci_xen_bar1:   .long 0
pci_last_bus:   .byte 0
pci_saved:      .byte 0
exp_text_end:
