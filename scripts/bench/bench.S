/*
 * int13 read benchmark: a boot program that reads its whole disk with int13 AH=42h in
 * 127-sector calls (into 1000:0000, a 64 KiB-aligned buffer) and prints on COM1:
 *
 *   BENCH tsc-khz=<TSC frequency> boot-ms=<reset to this boot sector>
 *   BENCH read sectors=<n> bytes=<n> ms=<n> bytes-per-s=<n>
 *   BENCH done            (or "BENCH error ah=<n> lba=<n>")
 *
 * then ends QEMU through isa-debug-exit (port 0xf4, value 0x10: status 33; 0x11 on error).
 * Times come from the TSC, which KVM starts at 0 at reset, calibrated against the BIOS tick
 * count (BDA 0x46C, 18.2 Hz). Written for scripts/bench-int13.sh; not a test.
 *
 * Sector 0 loads sectors 1-3 (this file's second part) to 0000:7E00 and jumps there.
 */
        .code16
        .text
        .globl  _start

COM1            = 0x3f8
COM1_LSR        = COM1 + 5
LSR_THRE        = 0x20
DEBUG_EXIT      = 0xf4
EXIT_DONE       = 0x10
EXIT_ERROR      = 0x11
BDA_TICKS       = 0x46c
/* PIT input clock (Hz) and its ticks per BIOS tick: 18.2065 ticks a second. */
PIT_HZ          = 1193182
PIT_PER_TICK    = 65536
/* TSC calibration: this many BIOS ticks (about 0.5 s: the count fits 32 bits below 8 GHz). */
CAL_TICKS       = 9
STAGE2          = 0x7e00
STAGE2_SECTORS  = 3
/* Reads: 127 sectors (the EDD-1.1 maximum) into 1000:0000. */
PER_CALL        = 127
BUF_SEG         = 0x1000
SECTOR          = 512
MS_PER_S        = 1000

_start:
        cli
        xorw    %ax, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    $0x7c00, %sp
        sti
        movb    %dl, drive                      /* the boot drive (RDTSC takes EDX) */
        rdtsc
        movl    %eax, tsc0
        movl    %edx, tsc0 + 4
        /* Load stage 2. */
        movw    $stage2_pkt, %si
        movb    drive, %dl
        movb    $0x42, %ah
        int     $0x13
        jc      1f
        jmp     stage2
1:      movb    $EXIT_ERROR, %al
        outb    %al, $DEBUG_EXIT
        hlt

        .balign 4
stage2_pkt:
        .byte   0x10, 0
        .word   STAGE2_SECTORS
        .word   STAGE2, 0
        .quad   1
tsc0:   .quad   0
drive:  .byte   0

        .org    510
        .word   0xaa55

/* ---- Stage 2 at 0000:7E00 ------------------------------------------------------------ */
stage2:
        /* Calibrate the TSC: cycles over CAL_TICKS BIOS ticks, from a tick edge. */
        call    tick_edge
        rdtsc
        movl    %eax, %esi
        movw    $CAL_TICKS, %cx
1:      call    tick_edge
        loop    1b
        rdtsc
        subl    %esi, %eax                      /* EAX = cycles over CAL_TICKS ticks */
        movl    $PIT_HZ, %ecx
        mull    %ecx                            /* EDX:EAX = cycles * PIT_HZ */
        movl    $CAL_TICKS * PIT_PER_TICK, %ecx
        divl    %ecx                            /* EAX = TSC Hz */
        xorl    %edx, %edx
        movl    $MS_PER_S, %ecx
        divl    %ecx
        movl    %eax, khz
        movw    $s_khz, %si
        call    puts
        call    putu
        /* Reset to boot sector: tsc0 / kHz ms. */
        movl    tsc0, %eax
        movl    tsc0 + 4, %edx
        divl    khz
        movw    $s_boot, %si
        call    puts
        call    putu
        call    newline

        /* The disk's size (48h). */
        movw    $0x1e, params
        movw    $params, %si
        movb    $0x48, %ah
        movb    drive, %dl
        int     $0x13
        jc      error
        movl    params + 0x10, %eax
        movl    %eax, total

        rdtsc
        movl    %eax, t0
        movl    %edx, t0 + 4
next:
        movl    total, %eax
        subl    lba, %eax
        jz      finished
        cmpl    $PER_CALL, %eax
        jbe     1f
        movl    $PER_CALL, %eax
1:      movw    %ax, pkt_count
        movw    %ax, last_count
        movl    lba, %eax
        movl    %eax, pkt_lba
        movw    $pkt, %si
        movb    $0x42, %ah
        movb    drive, %dl
        int     $0x13
        jc      error
        movzwl  last_count, %eax
        addl    %eax, lba
        jmp     next

finished:
        rdtsc
        subl    t0, %eax
        sbbl    t0 + 4, %edx
        divl    khz                             /* EAX = ms */
        testl   %eax, %eax
        jnz     1f
        incl    %eax                            /* under 1 ms: call it 1 */
1:      movl    %eax, ms
        movw    $s_read, %si
        call    puts
        movl    total, %eax
        call    putu
        movw    $s_bytes, %si
        call    puts
        movl    total, %eax
        movl    $SECTOR, %ecx
        mull    %ecx
        movl    %eax, bytes
        call    putu
        movw    $s_ms, %si
        call    puts
        movl    ms, %eax
        call    putu
        movw    $s_rate, %si
        call    puts
        movl    bytes, %eax
        movl    $MS_PER_S, %ecx
        mull    %ecx                            /* EDX:EAX = bytes * 1000 */
        divl    ms
        call    putu
        call    newline
        movw    $s_done, %si
        call    puts
        call    newline
        movb    $EXIT_DONE, %al
        outb    %al, $DEBUG_EXIT
        hlt

error:
        movzbl  %ah, %ebx
        movw    $s_error, %si
        call    puts
        movl    %ebx, %eax
        call    putu
        movw    $s_lba, %si
        call    puts
        movl    lba, %eax
        call    putu
        call    newline
        movb    $EXIT_ERROR, %al
        outb    %al, $DEBUG_EXIT
        hlt

/* Wait for the BIOS tick count to change. */
tick_edge:
        movl    BDA_TICKS, %edx
1:      sti
        hlt
        cmpl    BDA_TICKS, %edx
        je      1b
        ret

/* Print the NUL-terminated string at DS:SI. */
puts:
        lodsb
        testb   %al, %al
        jz      1f
        call    putc
        jmp     puts
1:      ret

newline:
        movb    $'\r', %al
        call    putc
        movb    $'\n', %al
        /* fall through */
putc:
        pushw   %dx
        pushw   %ax
        movw    $COM1_LSR, %dx
1:      inb     %dx, %al
        testb   $LSR_THRE, %al
        jz      1b
        popw    %ax
        movw    $COM1, %dx
        outb    %al, %dx
        popw    %dx
        ret

/* Print EAX in decimal. */
putu:
        pushl   %ebx
        movl    $10, %ebx
        xorw    %cx, %cx
1:      xorl    %edx, %edx
        divl    %ebx
        pushw   %dx
        incw    %cx
        testl   %eax, %eax
        jnz     1b
2:      popw    %ax
        addb    $'0', %al
        call    putc
        loop    2b
        popl    %ebx
        ret

s_khz:   .asciz "BENCH tsc-khz="
s_boot:  .asciz " boot-ms="
s_read:  .asciz "BENCH read sectors="
s_bytes: .asciz " bytes="
s_ms:    .asciz " ms="
s_rate:  .asciz " bytes-per-s="
s_done:  .asciz "BENCH done"
s_error: .asciz "BENCH error ah="
s_lba:   .asciz " lba="

        .balign 4
pkt:
        .byte   0x10, 0
pkt_count:
        .word   0
        .word   0, BUF_SEG
pkt_lba:
        .quad   0
khz:        .long 0
total:      .long 0
lba:        .long 0
last_count: .word 0
ms:         .long 0
bytes:      .long 0
t0:         .quad 0
params:     .space 0x1e
