/*
 * The reentry test's boot sector (tests/system/reentry.sh): the three ways into the
 * firmware's loader, in one run.
 *
 *   boot 1  cold: QEMU maps the file as ROM; the loader copies it to RAM and unpacks it.
 *           Then this copies the file (sectors 1-256 of this disk) to 0xe0000 and enters
 *           at F000:FFF0, as hvmloader does.
 *   boot 2  the loader finds the blob in RAM and unpacks it there. Then this jumps to
 *           F000:FFF0 again, with the RAM holding the unpacked image (a warm restart).
 *   boot 3  the blob is gone from RAM: the loader copies the ROM again and unpacks it.
 *
 * Each boot prints "REENTRY boot N" on COM1; the count lives at COUNT (low RAM that
 * POST leaves alone). At the end, QEMU's isa-debug-exit at DEBUG_EXIT (--defsym, from the
 * test harness) ends the run.
 */
        .set COUNT,        0x5f0
        .set COM1,         0x3f8
        .set LSR,          5
        .set THR_EMPTY,    0x20
        .set BUF_SEG,      0x1000       /* the file is read to 0x10000-0x2ffff first */
        .set CHUNK,        64           /* sectors per int13 read (32 KiB) */
        .set CHUNKS,       4            /* 4 x 32 KiB = 128 KiB */
        .set BOOT_ORG,     0x7c00

        .code16
        .text
        .globl _start
_start:
        cli
        xorw %ax, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        movw $BOOT_ORG, %sp
        movb %dl, drive - _start + BOOT_ORG
        incw COUNT
        movw COUNT, %ax
        addb $'0', %al
        movb %al, digit - _start + BOOT_ORG
        movw $boot_msg - _start + BOOT_ORG, %si
        call print
        cmpw $1, COUNT
        je to_ram
        cmpw $2, COUNT
        je warm
        movw $done_msg - _start + BOOT_ORG, %si
        call print
        movw $DEBUG_EXIT, %dx
        xorb %al, %al
        outb %al, %dx
1:      hlt
        jmp 1b

/* Boot 1 -> 2: the file from this disk into 0xe0000-0xfffff, then the reset vector. */
to_ram:
        sti
        movw $CHUNKS, %cx
        movw $dap - _start + BOOT_ORG, %si
2:      pushw %cx
        movb $0x42, %ah
        movb drive - _start + BOOT_ORG, %dl
        int $0x13
        popw %cx
        jc fail
        addw $(CHUNK * 512 / 16), dap_seg - _start + BOOT_ORG
        addw $CHUNK, dap_lba - _start + BOOT_ORG
        loop 2b
        cli
        movw $BUF_SEG, %ax
        movw $0xe000, %bx
        call copy64k
        movw $(BUF_SEG + 0x1000), %ax
        movw $0xf000, %bx
        call copy64k
warm:
        cli
        ljmpw $0xf000, $0xfff0

/* 64 KiB from segment ax to segment bx (clobbers ds, es, si, di, cx). */
copy64k:
        movw %ax, %ds
        movw %bx, %es
        xorw %si, %si
        xorw %di, %di
        movw $0x8000, %cx
        cld
        rep movsw
        xorw %ax, %ax
        movw %ax, %ds
        movw %ax, %es
        ret

fail:
        movw $fail_msg - _start + BOOT_ORG, %si
        call print
        jmp 1b

/* The string at ds:si to COM1. */
print:
        lodsb
        testb %al, %al
        jz 4f
        movb %al, %ah
        movw $(COM1 + LSR), %dx
3:      inb %dx, %al
        testb $THR_EMPTY, %al
        jz 3b
        movw $COM1, %dx
        movb %ah, %al
        outb %al, %dx
        jmp print
4:      ret

drive:  .byte 0
        .balign 4
dap:    .byte 16, 0                     /* EDD disk address packet */
        .word CHUNK
        .word 0                         /* offset */
dap_seg: .word BUF_SEG
dap_lba: .quad 1
boot_msg:  .ascii "REENTRY boot "
digit:     .asciz "0\r\n"
done_msg:  .asciz "REENTRY done\r\n"
fail_msg:  .asciz "REENTRY int13 read failed\r\n"
        .org 510
        .byte 0x55, 0xaa
