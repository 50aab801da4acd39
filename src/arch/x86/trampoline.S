/*
 * The one mode-switch path of xenbios: reset entry, interrupt entry, call16.
 *
 * Sections .text16 and .fixed are linked with VMA = offset inside the BIOS segment F000
 * (see linker.ld), so every symbol defined here is a 16-bit offset usable as is by
 * real-mode code. 32-bit code adds BIOS_BASE to get a linear address.
 *
 * Interrupt frame (struct Regs in src/hal/regs.rs), from the lowest address up, on the
 * caller's stack: edi esi ebp esp ebx edx ecx eax (pushal), gs fs es ds, vector (the
 * stub's push), ip cs flags (the interrupt's). Its offsets are REGS_<field>.
 *
 * Call16 block (struct Call16 in src/hal/cpu.rs): a Regs image whose ip/cs is the
 * target, then ss, sp and kind (CALL16_<field>, kind's bits CALL16_INT...).
 *
 * Those names, and every other capitalised name this file uses but does not .set, come
 * from Rust: global_asm_with! in src/arch/x86/asm.rs puts a .set line for each before
 * this file, with the value of the Rust item it names there.
 *
 * 32-bit code in these sections must reach other sections with absolute calls (call *%reg):
 * a relative call would be off by 0xf0000.
 *
 * The 32-bit code always runs with interrupts disabled, DF clear, A20 on, flat segments.
 */

        .set SEL_CODE32,      0x08
        .set SEL_DATA32,      0x10
        .set SEL_CODE16,      0x18
        .set SEL_DATA16,      0x20
        .set SEL_CODE32_HIGH, 0x28      /* flat code that runs the ROM's 4 GiB alias */

        .set RM_STACK_RESERVE, 4096     /* our stack a real-mode callee may use */
        .set PUSHAL_SIZE,     32        /* eight dwords */

        .set PORT_A20,        0x92      /* bit A20_ON; bit 0: fast reset (never write 1) */
        .set PIC_IRQS,        8         /* inputs per 8259 */

        .set IMAGE_SIZE,      IMAGE_END - IMAGE_START
        /* The base that gives the 4 GiB alias (QEMU maps the image there too) the image's
         * link addresses. */
        .set ROM_ALIAS_BASE,  ROM_ALIAS_HIGH - IMAGE_START
        .set EARLY_STACK,     0x7000      /* low RAM nobody uses before the boot sector */
        .set IVT_ENTRIES,     256         /* the real-mode vector table at 0 (far pointers) */
        .set IVT_ENTRY_SIZE,  4

/* The frame is built by pushes, so Regs must list the registers in push order with no
 * gap; check the offsets from Rust against it. */
.macro FRAME_AFTER field, prev, size
        .if REGS_\field != REGS_\prev + \size
        .error "struct Regs (src/hal/regs.rs): \field must follow \prev (push order)"
        .endif
.endm
        .if REGS_EDI != 0 || REGS_GS != PUSHAL_SIZE || REGS_SIZE != REGS_FLAGS + 2
        .error "struct Regs (src/hal/regs.rs) is not the frame the trampoline pushes"
        .endif
        FRAME_AFTER ESI, EDI, 4
        FRAME_AFTER EBP, ESI, 4
        FRAME_AFTER ESP, EBP, 4
        FRAME_AFTER EBX, ESP, 4
        FRAME_AFTER EDX, EBX, 4
        FRAME_AFTER ECX, EDX, 4
        FRAME_AFTER EAX, ECX, 4
        FRAME_AFTER FS, GS, 2
        FRAME_AFTER ES, FS, 2
        FRAME_AFTER DS, ES, 2
        FRAME_AFTER VECTOR, DS, 2
        FRAME_AFTER IP, VECTOR, 2
        FRAME_AFTER CS, IP, 2
        FRAME_AFTER FLAGS, CS, 2
/* call16_rm addresses a block's registers from the block's start, and tests kind's low
 * byte. */
        .if CALL16_REGS != 0
        .error "struct Call16 (src/hal/cpu.rs) must start with its Regs"
        .endif
        .if (CALL16_INT | CALL16_OWN_STACK | CALL16_NORETURN) > 0xff
        .error "call_kind (src/hal/cpu.rs): the trampoline tests only kind's low byte"
        .endif


/* The three mode switches, each written once. */

/* Real mode -> flat 32-bit code at \target: in .text16 (linked at its offset in F000:
 * base BIOS_BASE), or base 0 for code linked at its linear address. Clobbers eax. */
.macro TO_FLAT32 target, base=BIOS_BASE
        lgdtl %cs:gdt_desc
        movl %cr0, %eax
        orb $1, %al
        movl %eax, %cr0
        ljmpl $SEL_CODE32, $(\target + \base)
.endm

/* In 32-bit code: flat data segments everywhere. Clobbers ax. */
.macro FLAT_SEGMENTS
        movw $SEL_DATA32, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %fs
        movw %ax, %gs
        movw %ax, %ss
.endm

/* 16-bit protected mode (CS = SEL_CODE16) -> real mode at F000:\target. Data segments get
 * 4 GiB limits first ("big real mode", as SeaBIOS leaves them for option ROMs and its own
 * callers): real-mode code may use 32-bit offsets, e.g. SeaVGABIOS's init reads its MMIO
 * BAR through DS. With 64 KiB limits such an access faults under hardware virtualisation
 * (#GP is vector 0Dh, IRQ5's, whose handler returns to the faulting instruction: a hang),
 * while TCG checks no limits. Clobbers eax. */
.macro TO_REAL16 target
        movw $SEL_DATA16, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %fs
        movw %ax, %gs
        movw %ax, %ss
        movl %cr0, %eax
        andb $0xfe, %al
        movl %eax, %cr0
        ljmpw $BIOS_SEG, $\target
.endm

/* ---------------------------------------------------------------------------------- */
        .section .text16, "ax"

/* A segment descriptor: base, 20-bit limit, access byte (0x9b code, 0x93 data: present,
 * ring 0, accessed), flags (G: limit in 4 KiB units, D/B: 32-bit). */
.macro DESCRIPTOR base, limit, access, flags
        .word (\limit) & 0xffff
        .word (\base) & 0xffff
        .byte ((\base) >> 16) & 0xff
        .byte \access
        .byte ((\flags) << 4) | (((\limit) >> 16) & 0xf)
        .byte ((\base) >> 24) & 0xff
.endm
        .set DESC_G,          0x8
        .set DESC_DB,         0x4

        .balign 8
gdt:
        .quad 0
        DESCRIPTOR 0, 0xfffff, 0x9b, DESC_G | DESC_DB   /* 0x08 code32 flat */
        DESCRIPTOR 0, 0xfffff, 0x93, DESC_G | DESC_DB   /* 0x10 data32 flat */
        DESCRIPTOR BIOS_BASE, 0xffff, 0x9b, 0           /* 0x18 code16, 64 KiB */
        DESCRIPTOR 0, 0xfffff, 0x93, DESC_G             /* 0x20 data16, 4 GiB, 16-bit */
        DESCRIPTOR ROM_ALIAS_BASE, 0xfffff, 0x9b, DESC_G | DESC_DB /* 0x28 code32 */
gdt_end:
gdt_desc:
        .word gdt_end - gdt - 1
        .long gdt + BIOS_BASE

/* Trampoline state. Single-threaded: only one activation touches these at a time. */
        .balign 4
        .global xenbios_stack32_free
xenbios_stack32_free:
        .long stack_top                 /* 32-bit stack for entries from foreign stacks */
caller_esp:     .long 0
caller_ss:      .word 0
        .global xenbios_caller_a20
xenbios_caller_a20:
        .byte 0                         /* PORT_A20 at entry; int15/24xx edits A20_ON */
        .byte 0
caller_gdt:     .word 0
                .long 0
call16_target:  .word 0, 0              /* offset, segment (lcall m16:16) */
call16_kind:    .word 0

/* ---------------------------------------------------------------------------------- */
/* Interrupt entry: every stub pushes its vector and comes here.                         */
        .code16
        .global xenbios_entry16
xenbios_entry16:
        pushw %ds
        pushw %es
        pushw %fs
        pushw %gs
        pushal
entry16_frame:                          /* the yield loop re-enters here */
        smsw %ax
        testb $1, %al
        jnz v86_caller

        movw $BIOS_SEG, %ax
        movw %ax, %ds
        movw %ss, %ax
        movw %ax, caller_ss
        movl %esp, caller_esp
        movzwl %ax, %ebx
        shll $4, %ebx
        movzwl %sp, %ecx
        addl %ecx, %ebx                 /* ebx = linear address of the frame */
        movl xenbios_stack32_free, %edi
        cmpw $stack_seg, %ax
        jne 1f
        movl %ebx, %edi                 /* nested on our own stack: go on below the frame */
1:
        sgdtl caller_gdt
        inb $PORT_A20, %al
        movb %al, xenbios_caller_a20
        testb $A20_ON, %al
        jnz 2f
        orb $A20_ON, %al
        andb $0xfe, %al
        outb %al, $PORT_A20
2:
        TO_FLAT32 entry32

        .code32
entry32:
        FLAT_SEGMENTS
        movl %edi, %esp
        andl $-16, %esp
        cld
        pushl %ebx
        movl $xenbios_interrupt, %eax   /* absolute: this section is linked at its F000 offset */
        call *%eax
        movl %eax, %ebx                 /* action */
        ljmpl $SEL_CODE16, $exit16

        .code16
exit16:
        TO_REAL16 exit16_rm
exit16_rm:
        movw $BIOS_SEG, %ax
        movw %ax, %ds
        lgdtl caller_gdt
        movw caller_ss, %ss
        movl caller_esp, %esp
        /* A20 back as the caller left it (or as int15/2400,2401 asked) */
        inb $PORT_A20, %al
        movb xenbios_caller_a20, %ah
        xorb %al, %ah
        testb $A20_ON, %ah
        jz 3f
        xorb $A20_ON, %al
        andb $0xfe, %al
        outb %al, $PORT_A20
3:
        cmpl $ACTION_YIELD, %ebx
        je yield16
        popal
        popw %gs
        popw %fs
        popw %es
        popw %ds
        addw $2, %sp                    /* vector */
        iret

/* The service waits for an interrupt (a key, a tick): let IRQs run on the caller's
 * stack, then call the service again with the same frame. hlt only when the timer can
 * wake us, and right after sti: its one-instruction shadow keeps an IRQ from slipping in
 * between and leaving hlt to sleep until the next one. */
yield16:
        inb $PIC_MASTER_DATA, %al
        testb $(1 << IRQ_TIMER), %al
        jnz 4f
        sti
        hlt
        cli
        jmp entry16_frame
4:      sti
        nop
        cli
        jmp entry16_frame

/* call16 target of POST's waits (Cpu::wait_for_interrupt): let one interrupt (a tick, a
 * key) run with the caller's stack, then return. hlt as in yield16. */
        .global xenbios_wait_irq16
xenbios_wait_irq16:
        pushw %ax
        inb $PIC_MASTER_DATA, %al
        testb $(1 << IRQ_TIMER), %al
        jnz 1f
        sti
        hlt
        jmp 2f
1:      sti
        nop
2:      cli
        popw %ax
        lret

/* Called in virtual-8086 mode (PE set while the caller believes it is in real mode): we
 * cannot switch modes. Hardware IRQs get their EOI; services get CF=1, AH=86h. */
v86_caller:
        movw %sp, %bp
        movw REGS_VECTOR(%bp), %ax
        cmpw $PIC_MASTER_VECTORS, %ax
        jb 6f
        cmpw $(PIC_MASTER_VECTORS + PIC_IRQS - 1), %ax
        jbe 5f
        cmpw $PIC_SLAVE_VECTORS, %ax
        jb 6f
        cmpw $(PIC_SLAVE_VECTORS + PIC_IRQS - 1), %ax
        ja 6f
        movb $PIC_EOI, %al
        outb %al, $PIC_SLAVE_CMD
5:
        cmpb $(PIC_MASTER_VECTORS + IRQ_KEYBOARD), REGS_VECTOR(%bp)
        jne 7f
        inb $KBD_DATA, %al              /* drop the key so the controller is not stuck */
7:
        movb $PIC_EOI, %al
        outb %al, $PIC_MASTER_CMD
        jmp 8f
6:
        orw $FLAGS_CF, REGS_FLAGS(%bp)
        movb $AH_UNSUPPORTED, (REGS_EAX + 1)(%bp) /* AH */
        movw $v86_msg, %si
9:
        movb %cs:(%si), %al
        testb %al, %al
        jz 8f
        outb %al, $XEN_DEBUG_PORT
        movw $DEBUGCON_PORT, %dx
        outb %al, %dx
        incw %si
        jmp 9b
8:
        popal
        popw %gs
        popw %fs
        popw %es
        popw %ds
        addw $2, %sp
        iret
v86_msg:
        .asciz "[tramp] BIOS call from virtual-8086 mode refused (CF=1 AH=86)\n"

/* ---------------------------------------------------------------------------------- */
/* Reset: from the reset vector or from hvmloader (real mode, F000:FFF0). The 32-bit part */
/* is the loader (section .loader, below).                                                */
        .code16
        .global xenbios_reset16
xenbios_reset16:
        cli
        cld
        inb $PORT_A20, %al
        orb $A20_ON, %al
        andb $0xfe, %al
        outb %al, $PORT_A20
        TO_FLAT32 reset32, 0            /* .loader is linked at its linear address */

        .code16
post16:
        TO_REAL16 post16_rm
post16_rm:
        xorw %ax, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        movl $0x7c00, %esp
        int $0x19
        int $0x18
5:      sti
        hlt
        jmp 5b

/* ---------------------------------------------------------------------------------- */
/* void xenbios_call16(struct Call16 *block): run real-mode code, then come back.        */
/* The 32-bit entry lives in .text, not .text16: Rust calls it by its (flat) address. */
        .text
        .code32
        .global xenbios_call16
xenbios_call16:
        pushal
        /* block (linear, below 1 MiB): above our pushal and the return address */
        movl (PUSHAL_SIZE + 4)(%esp), %esi
        movl %esp, %ebp                 /* our 32-bit stack, restored on return */
        testb $CALL16_OWN_STACK, CALL16_KIND(%esi)
        jz 1f
        movzwl CALL16_SS(%esi), %ecx
        movzwl CALL16_SP(%esi), %edx
        jmp 2f
1:      movl $stack_seg, %ecx
        movl %esp, %edx
        subl $stack_bottom, %edx
2:      /* entries from foreign stacks while the callee runs must not clobber us */
        movl xenbios_stack32_free + BIOS_BASE, %eax
        leal -RM_STACK_RESERVE(%esp), %edi
        testb $CALL16_NORETURN, CALL16_KIND(%esi)
        jz 3f
        movl $stack_top, %edi
3:      movl %edi, xenbios_stack32_free + BIOS_BASE
        movl %eax, %edi                 /* old value, restored on return */
        ljmpl $SEL_CODE16, $call16_pm16

        .section .text16, "ax"
        .code16
call16_pm16:
        TO_REAL16 call16_rm
call16_rm:
        movw %cx, %ss
        movl %edx, %esp
        pushl %ebp                      /* 32-bit esp */
        pushl %esi                      /* block */
        pushl %edi                      /* previous xenbios_stack32_free */
        movw $BIOS_SEG, %ax
        movw %ax, %es
        movl %esi, %eax                 /* ds:si = block */
        shrl $4, %eax
        movw %ax, %ds
        andl $0xf, %esi                 /* the block's registers start there (CALL16_REGS 0) */
        movl REGS_IP(%si), %eax         /* ip, cs */
        movl %eax, %es:call16_target
        movw CALL16_KIND(%si), %ax
        movw %ax, %es:call16_kind
        pushw REGS_FLAGS(%si)
        pushw REGS_DS(%si)
        movl REGS_EDI(%si), %edi
        movl REGS_EBP(%si), %ebp
        movl REGS_EBX(%si), %ebx
        movl REGS_EDX(%si), %edx
        movl REGS_ECX(%si), %ecx
        movl REGS_EAX(%si), %eax
        movw REGS_GS(%si), %gs
        movw REGS_FS(%si), %fs
        movw REGS_ES(%si), %es
        movl REGS_ESI(%si), %esi
        popw %ds
        testb $CALL16_INT, %cs:call16_kind
        jz 4f
        lcallw *%cs:call16_target       /* flags pushed above: the handler's iret pops them */
        jmp 5f
4:      popfw
        lcallw *%cs:call16_target
5:      pushfw
        cli
        cld
        pushw %ds
        pushw %es
        pushw %fs
        pushw %gs
        pushal
        /* stack: the block's Regs up to vector | flags | old stack32_free | block | esp32 */
        movw %ss, %ax
        movw %ax, %ds
        movzwl %sp, %esi
        movl (REGS_VECTOR + 2 + 4)(%si), %edi /* block, linear */
        movl %edi, %eax
        shrl $4, %eax
        movw %ax, %es
        andl $0xf, %edi
        movw $(REGS_VECTOR / 2), %cx
        rep movsw                       /* edi..eax, gs, fs, es, ds */
        movw (%si), %ax                 /* flags */
        movw %ax, %es:(REGS_FLAGS - REGS_VECTOR)(%di)
        addw $(REGS_VECTOR + 2), %sp
        popl %eax
        movw $BIOS_SEG, %bx
        movw %bx, %ds
        movl %eax, xenbios_stack32_free
        popl %esi
        popl %ebp
        inb $PORT_A20, %al              /* the callee may have turned A20 off */
        orb $A20_ON, %al
        andb $0xfe, %al
        outb %al, $PORT_A20
        TO_FLAT32 call16_back32

        .code32
call16_back32:
        FLAT_SEGMENTS
        movl %ebp, %esp
        popal
        ret

/* ---------------------------------------------------------------------------------- */
/* Interrupt stubs and tiny handlers that need no mode switch.                           */
        .code16
.macro STUB vec
        .global xenbios_int_\vec
xenbios_int_\vec:
        pushw $\vec
        jmp xenbios_entry16
.endm
        STUB 0x09
        STUB 0x10
        STUB 0x11
        STUB 0x12
        STUB 0x13
        STUB 0x14
        STUB 0x15
        STUB 0x16
        STUB 0x17
        STUB 0x18
        STUB 0x19
        STUB 0x1a
        STUB 0x40
        STUB 0x70
        STUB 0x74

/* IRQ0: the tick count at 40:6C, midnight after a day of ticks, then int 1Ch. Pure
 * 16-bit code: it runs often and must work for virtual-8086 callers too. */
        .global xenbios_int_0x08
xenbios_int_0x08:
        pushw %ds
        pushl %eax
        movw $BDA_SEG, %ax
        movw %ax, %ds
        movl BDA_TICKS, %eax
        incl %eax
        cmpl $TICKS_PER_DAY, %eax
        jb 1f
        xorl %eax, %eax
        movb $1, BDA_MIDNIGHT
1:      movl %eax, BDA_TICKS
        popl %eax
        popw %ds
        int $0x1c
        pushw %ax
        movb $PIC_EOI, %al
        outb %al, $PIC_MASTER_CMD
        popw %ax
        iret

        .global xenbios_irq_master
xenbios_irq_master:
        pushw %ax
        movb $PIC_EOI, %al
        outb %al, $PIC_MASTER_CMD
        popw %ax
        iret

        .global xenbios_irq_slave
xenbios_irq_slave:
        pushw %ax
        movb $PIC_EOI, %al
        outb %al, $PIC_SLAVE_CMD
        outb %al, $PIC_MASTER_CMD
        popw %ax
        iret

/* ---------------------------------------------------------------------------------- */
/* Fixed addresses of the IBM PC BIOS (F000:E000 - F000:FFFF). Programs jump to some of  */
/* them; the reset vector must be at FFF0.                                               */
        .section .fixed, "ax"
        .code16
        .set FIXED_BASE, 0xe000
.macro AT offset
        .org \offset - FIXED_BASE, 0
.endm
        AT 0xe05b
        .global xenbios_post_entry
xenbios_post_entry:
        ljmpw $BIOS_SEG, $xenbios_reset16
        AT 0xe2c3
        .global xenbios_nmi
xenbios_nmi:
        iret
        AT 0xe3fe
        .global xenbios_fixed_int13
xenbios_fixed_int13:
        jmp fixed_int13_far
        AT 0xe401                       /* fixed disk parameter table (unused) */
        .fill 16, 1, 0
fixed_int13_far:
        ljmpw $BIOS_SEG, $xenbios_int_0x13
        AT 0xe6f2
        .global xenbios_fixed_int19
xenbios_fixed_int19:
        jmp fixed_int19_far
        AT CONFIG_TABLE_OFFSET          /* 0xe6f5: services/system.rs CONFIG_TABLE */
        .global xenbios_config_table
xenbios_config_table:                   /* int15/C0 */
        .word 8                         /* bytes that follow */
        .byte 0xfc                      /* model: AT */
        .byte 0x00                      /* submodel */
        .byte 0x01                      /* BIOS revision */
        .byte 0x74                      /* 2nd PIC, RTC, int15/4F from int09, EBDA */
        .byte 0x40                      /* int16/09 supported */
        .byte 0, 0, 0
fixed_int19_far:
        ljmpw $BIOS_SEG, $xenbios_int_0x19
        AT 0xe739
        ljmpw $BIOS_SEG, $xenbios_int_0x14
        AT 0xe82e
        ljmpw $BIOS_SEG, $xenbios_int_0x16
        AT 0xe987
        ljmpw $BIOS_SEG, $xenbios_int_0x09
        AT 0xec59
        ljmpw $BIOS_SEG, $xenbios_int_0x40
        AT 0xef57
        ljmpw $BIOS_SEG, $xenbios_irq_master
        AT 0xefc7
        .global xenbios_diskette_params
xenbios_diskette_params:                /* int 1Eh: 1.44 MB defaults */
        .byte 0xaf, 0x02, 0x25, 0x02, 0x12, 0x1b, 0xff, 0x6c, 0xf6, 0x0f, 0x08
        AT 0xefd2
        ljmpw $BIOS_SEG, $xenbios_int_0x17
        AT 0xf065
        ljmpw $BIOS_SEG, $xenbios_int_0x10
        AT 0xf841
        ljmpw $BIOS_SEG, $xenbios_int_0x12
        AT 0xf84d
        ljmpw $BIOS_SEG, $xenbios_int_0x11
        AT 0xf859
        ljmpw $BIOS_SEG, $xenbios_int_0x15
        AT 0xfe6e
        ljmpw $BIOS_SEG, $xenbios_int_0x1a
        AT 0xfea5
        ljmpw $BIOS_SEG, $xenbios_int_0x08
        AT 0xff53
        .global xenbios_iret
xenbios_iret:
        iret
        AT 0xfff0
        .global reset_vector
reset_vector:
        ljmpw $BIOS_SEG, $xenbios_reset16
        AT 0xfff5
        .ascii "11/22/26"
        AT 0xfffe
        .byte 0xfc                      /* model byte: AT */
        .byte 0x00

        .text
        .code32

/* ---------------------------------------------------------------------------------- */
/* The loader: the reset path from protected mode to POST. The file holds the runtime and */
/* POST-only code compressed (tools/pack); this code and the real-mode sections are not,  */
/* and lie above the runtime part's window (linker.ld). Linked at its linear address.     */
/* Until xenbios_unpack returns, nothing else of the firmware exists: the loader calls    */
/* only the decoder (.text.loader, linked here too); tools/pack checks that.              */
        .section .loader, "ax"
        .code32
reset32:
        FLAT_SEGMENTS
        movl $EARLY_STACK, %esp
        /* Is the BIOS area RAM already? */
        movl $xenbios_shadow_probe, %ebx
        movl (%ebx), %eax
        notl %eax
        movl %eax, (%ebx)
        cmpl (%ebx), %eax
        jne 1f
        notl %eax
        movl %eax, (%ebx)
        /* RAM with the blob at its start: hvmloader copied the file there. */
        movl $IMAGE_START, %esi
        call has_blob
        je loader_unpack
        /* RAM without it: a restart after unpacking (a jump to the reset vector). Start
         * again from the ROM if there is one (QEMU), else give up. */
        movl $ROM_ALIAS_HIGH, %esi
        call has_blob
        movl $no_blob_msg, %esi
        jne loader_halt
1:      ljmpl $SEL_CODE32_HIGH, $shadow_copy

/* Entry from Xen's domain builder (xl.cfg `firmware=`, no hvmloader; docs/xen.md): the
 * ELF container target/xenbios.elf (tools/pack/src/container.rs) loads the file at its
 * place, 0xe0000, and starts the boot vCPU here in 32-bit protected mode with paging off,
 * flat segment caches whose selectors are 0, no GDT (so nothing may reload a segment
 * register before ours is loaded) and an IDT limit of 0, and EBX = the physical address of
 * struct hvm_start_info. POST reads that address (arch/x86/unpack.rs) and takes the direct
 * path. The IDT register is what reset leaves (the real-mode vector table at 0, 256
 * vectors): real mode uses it too, and with limit 0 the first interrupt there is a triple
 * fault. */
        .global xenbios_direct32
xenbios_direct32:
        cli
        cld
        lgdtl gdt_desc + BIOS_BASE      /* gdt_desc is an offset in F000 (.text16) */
        lidtl real_mode_idt
        ljmpl $SEL_CODE32, $5f
5:      FLAT_SEGMENTS
        inb $PORT_A20, %al              /* A20 on, as the reset path leaves it */
        orb $A20_ON, %al
        andb $0xfe, %al
        outb %al, $PORT_A20
        movl %ebx, xenbios_hvm_start_info
        jmp loader_unpack               /* the file is in RAM with the blob at its start */

/* ZF set if the blob's magic is at %esi. Clobbers ecx, esi, edi. */
has_blob:
        movl $xenbios_blob_magic, %edi
        movl $BLOB_MAGIC_SIZE, %ecx
        repe cmpsb
        ret

/* Runs from the 4 GiB ROM alias: turn 0xe0000-0xfffff into RAM and copy the image in. */
shadow_copy:
        movl $PCI_ENABLE, %eax          /* 00:00.0, register 0: vendor and device */
        movw $PCI_ADDR, %dx
        outl %eax, %dx
        movw $PCI_DATA, %dx
        inl %dx, %eax
        movl $PAM0_I440FX, %ecx
        cmpl $((PCI_DEVICE_I440FX << 16) | PCI_VENDOR_INTEL), %eax
        je 2f
        movl $PAM0_Q35, %ecx
        cmpl $((PCI_DEVICE_Q35_MCH << 16) | PCI_VENDOR_INTEL), %eax
        je 2f
        movl $shadow_msg, %esi
        jmp loader_halt
2:
        movb $(PAM_READ_WRITE & 0xf0), %bl /* PAM0[7:4]: f0000-fffff read/write RAM */
        call pam_write
        /* PAM5: e0000-e7fff, PAM6: e8000-effff (hw/pam.rs counts them the same way) */
        addl $(1 + (IMAGE_START - PAM_FIRST_SEGMENT) / PAM_BYTES_PER_REGISTER), %ecx
        movb $PAM_READ_WRITE, %bl
        call pam_write
        incl %ecx
        call pam_write
        movl $ROM_ALIAS_HIGH, %esi
        movl $IMAGE_START, %edi
        movl $(IMAGE_SIZE / 4), %ecx
        rep movsl
        movb $1, xenbios_unpack_from_rom  /* in the RAM copy (POST logs it) */
        ljmpl $SEL_CODE32, $loader_unpack

/* config byte ecx of 00:00.0 := bl */
pam_write:
        movl %ecx, %eax
        andl $0xfc, %eax                /* the dword's register number */
        orl $PCI_ENABLE, %eax
        movw $PCI_ADDR, %dx
        outl %eax, %dx
        movw $PCI_DATA, %dx
        movl %ecx, %eax
        andl $3, %eax
        addw %ax, %dx
        movb %bl, %al
        outb %al, %dx
        ret

/* The image is in RAM at 0xe0000 with the blob at its start. */
loader_unpack:
        movl $stack_top, %esp
        rdtsc                           /* POST logs how long unpacking took */
        movl %eax, xenbios_unpack_tsc
        movl %edx, xenbios_unpack_tsc + 4
        call xenbios_unpack             /* 0, or a format::Error code (1-9) */
        movl %eax, %ebx
        rdtsc
        movl %eax, xenbios_unpack_tsc + 8
        movl %edx, xenbios_unpack_tsc + 12
        movl %ebx, %eax
        testl %eax, %eax
        jz 3f
        addb %al, unpack_msg_code
        movl $unpack_msg, %esi
        jmp loader_halt
3:
        movl $bss_start, %edi
        movl $bss_end, %ecx
        subl %edi, %ecx
        xorl %eax, %eax
        rep stosb
        movl $stack_bottom, %edi        /* paint the stack: layout::stack_used() measures */
        movl $stack_top, %ecx
        subl %edi, %ecx
        movb $STACK_PAINT, %al
        rep stosb
        call xenbios_post
        /* POST is over and its code is RAM for the OS now. Fill it with int3, so that a
         * call into it that should not exist traps at once instead of running stale code. */
        movl $post_start, %edi
        movl $post_end, %ecx
        subl %edi, %ecx
        shrl $2, %ecx                   /* dwords: the region is 4-aligned (linker.ld) */
        movl $(POST_TRAP * 0x01010101), %eax
        rep stosl
        ljmpl $SEL_CODE16, $post16

/* Print the message at %esi on the debug ports and stop. Works from the ROM alias too
 * (%cs-relative: the message is in this section). */
loader_halt:
        movb %cs:(%esi), %al
        testb %al, %al
        jz 4f
        outb %al, $XEN_DEBUG_PORT
        movw $DEBUGCON_PORT, %dx
        outb %al, %dx
        incl %esi
        jmp loader_halt
4:      hlt
        jmp 4b

        .global xenbios_blob_magic
xenbios_blob_magic:
        .quad BLOB_MAGIC                /* tools/pack format::MAGIC's eight bytes */
        .set BLOB_MAGIC_SIZE, . - xenbios_blob_magic
        .balign 4
        .global xenbios_unpack_tsc
xenbios_unpack_tsc:
        .quad 0, 0                      /* TSC before and after xenbios_unpack */
        .global xenbios_unpack_from_rom
xenbios_unpack_from_rom:
        .byte 0                         /* 1: the loader copied the image from the ROM */
        .balign 4
real_mode_idt:
        .word IVT_ENTRIES * IVT_ENTRY_SIZE - 1
        .long 0
        .balign 4
        .global xenbios_hvm_start_info
xenbios_hvm_start_info:
        .long 0                         /* EBX at xenbios_direct32; 0: another entry */
        .global xenbios_shadow_probe
xenbios_shadow_probe:
        .long 0x5a5aa5a5                /* written at reset: RAM or ROM? */
shadow_msg:
        .asciz "[loader] unknown host bridge: cannot make the BIOS area writable\n"
no_blob_msg:
        .asciz "[loader] restart without the packed image in RAM or ROM: cannot unpack again\n"
unpack_msg:
        .ascii "[loader] the packed image is corrupt: error "
unpack_msg_code:
        .asciz "0 (tools/pack/src/format.rs Error)\n"

        .text
        .code32
