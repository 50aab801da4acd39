/*
 * Fixed BIOS structures in the F segment, and the entry points they name:
 *
 *   xenbios_bios32_header   "_32_" BIOS32 service directory header (16 bytes)
 *   xenbios_bios32          its entry: answers "$PCI" with the 32-bit PCI BIOS
 *   xenbios_pcibios32       the 32-bit PCI BIOS: B101, B102, B103, B108-B10D
 *   xenbios_pnp_header      "$PnP" installation check header (0x21 bytes)
 *   xenbios_pnp_entry       its entry: every PnP BIOS function is "not supported"
 *   xenbios_fseg_pool       the FSEG zone: RSDP, SMBIOS entry point, MP table (src/zone.rs)
 *
 * The headers' checksums and the last PCI bus are written at POST (src/tables/mod.rs):
 * their contents depend on link-time addresses and on PCI enumeration.
 *
 * Like the trampoline's, these sections are linked with VMA = offset in segment F000
 * (linker.ld): a symbol's value is its offset there, BIOS_BASE plus it its linear address.
 *
 * Facts: Standard BIOS 32-bit Service Directory Proposal 0.4 (Phoenix, 1993) and PCI
 * BIOS Specification 2.1, 3.3-3.4 (directory header, calling conventions, "$PCI", return
 * codes); PnP BIOS Specification 1.0a, 4.4 (installation check structure), 4.5 (ES:DI at
 * boot), function return code 82h (FUNCTION_NOT_SUPPORTED).
 *
 * Conditions of the 32-bit entries (what callers give; OSes that use them do): a 32-bit
 * code segment, execute/read (the last bus is read through CS), with any base: flat (base
 * 0, EIP the physical address), based at the directory's base (EIP the offset it gave),
 * or a kernel's mapping of the BIOS area elsewhere: the code is position independent (no
 * absolute address). The convention gives DS the same base as CS; DS, ES, FS and GS are
 * not used, so any DS works. The caller's SS:ESP with 20 bytes free; interrupts left as
 * they are (configuration cycles are two port accesses: an OS that takes interrupts
 * which touch CF8h calls with them off); return with a 32-bit far return (lret).
 * Tested by the probe (tests/probe/probe.S, B1.11-B1.17) with flat and based segments.
 *
 * Names in capitals that this file does not .set come from Rust, as in trampoline.S
 * (global_asm_with! in src/arch/x86/asm.rs): the PCI ports and registers, the PCI BIOS
 * function and return codes that int1A's PCI BIOS (src/services/pcibios.rs) uses too, and
 * the header lengths and checksum offsets POST writes by (src/tables/mod.rs).
 */

        .set PCI_FN_MASK,        7
        .set PCI_MAX_BDF,        0xffff
        .set PCI_DWORD_REG,      0xfc    /* CONFIG_ADDRESS register bits */
        .set PCI_BYTE_LANE,      3
        .set PCI_BDF_SHIFT,      8       /* bdf in CONFIG_ADDRESS bits 23:8 */
        /* The dwords the searches read: the header type's (its multi-function bit where
         * the dword has it), the class code's (bits 31:8). */
        .set PCI_HEADER_DWORD,   PCI_HEADER_TYPE & PCI_DWORD_REG
        .set PCI_HEADER_SHIFT,   8 * (PCI_HEADER_TYPE & PCI_BYTE_LANE)
        .set PCI_HEADER_MULTI,   PCI_HEADER_MULTI_FUNCTION << PCI_HEADER_SHIFT
        .set PCI_CLASS_DWORD,    PCI_REVISION_CLASS

        .set BIOS32_PCI_ID,      0x49435024  /* "$PCI" */
        .set BIOS32_PRESENT,     0x00
        .set BIOS32_NOT_PRESENT, 0x80
        .set BIOS32_BAD_SELECT,  0x81
        .set BIOS32_SERVICE_LEN, 0x10000     /* the whole F segment */

        .set PCI_REGS_MASK,      0xff00  /* DI bits that must be 0: 256 registers */
        .set PCI_WORD_ALIGN,     1
        .set PCI_DWORD_ALIGN,    3
        .set PCI_ID_MASK,        0xffffffff
        .set PCI_CLASS_SHIFT,    8
        .set PCI_CLASS_MASK,     0xffffff00
        .set PCI_ID_SHIFT,       16      /* device ID in the upper half of dword 0 */
        .set BIOS32_REVISION,    0
        .set BIOS32_PARAGRAPHS,  BIOS32_HEADER_LEN / 16

        .set PNP_NOT_SUPPORTED,  0x82
        .set PNP_VERSION_1_0,    0x10

        .set FSEG_POOL_SIZE,     1024

/* ---------------------------------------------------------------------------------- */
        .section .text16, "ax"
        .code32

/* BIOS32 directory entry: EAX = service ID, EBX = 0. For "$PCI": AL=0, EBX = base,
 * ECX = length, EDX = entry offset from the base. */
        .global xenbios_bios32
xenbios_bios32:
        cmpl $BIOS32_PCI_ID, %eax
        jne 1f
        testl %ebx, %ebx
        jnz 2f
        movl $BIOS_BASE, %ebx
        movl $BIOS32_SERVICE_LEN, %ecx
        movl $xenbios_pcibios32, %edx   /* its offset in F000 */
        movb $BIOS32_PRESENT, %al
        lret
1:      movb $BIOS32_NOT_PRESENT, %al
        lret
2:      movb $BIOS32_BAD_SELECT, %al
        lret

/* The last bus number, written at POST. Read through CS relative to the code. */
        .global xenbios_pci_last_bus
xenbios_pci_last_bus:
        .byte 0

/* The 32-bit PCI BIOS: registers as for int 1Ah AH=B1h; CF and AH on return. */
        .global xenbios_pcibios32
xenbios_pcibios32:
        cmpb $PCI_FUNCTION_ID, %ah
        jne pci32_unsupported
        cmpb $PCI_BIOS_PRESENT, %al
        je pci32_present
        cmpb $PCI_FIND_DEVICE, %al
        je pci32_find_device
        cmpb $PCI_FIND_CLASS, %al
        je pci32_find_class
        cmpb $PCI_READ_BYTE, %al
        jb pci32_unsupported
        cmpb $PCI_WRITE_DWORD, %al
        ja pci32_unsupported
        jmp pci32_config

pci32_unsupported:
        movb $PCI_NOT_SUPPORTED, %ah
        stc
        lret
pci32_bad_register:
        movb $PCI_BAD_REGISTER, %ah
        stc
        lret
pci32_ok:
        movb $PCI_SUCCESSFUL, %ah
        clc
        lret

/* B101: EDX "PCI ", AL mechanism, BX version, CL last bus, EDI this entry (physical). */
pci32_present:
        call 1f
1:      popl %edx
        movb %cs:(xenbios_pci_last_bus - 1b)(%edx), %cl
        movl $PCI_SIGNATURE, %edx
        movw $PCI_VERSION, %bx
        movb $PCI_HW_MECH1, %al
        movl $(xenbios_pcibios32 + BIOS_BASE), %edi
        jmp pci32_ok

/* B102: CX device, DX vendor, SI index -> BX bdf. */
pci32_find_device:
        cmpw $PCI_VENDOR_NONE, %dx
        jne 1f
        movb $PCI_BAD_VENDOR, %ah
        stc
        lret
1:      pushl %ebp
        pushl %edi
        movl %ecx, %edi
        shll $PCI_ID_SHIFT, %edi
        movw %dx, %di                   /* edi = device << 16 | vendor: dword 0 */
        movl $PCI_ID_MASK, %ebp         /* compare all of it */
        pushl $0                        /* register 0 */
        jmp pci32_find

/* B103: ECX class code (23:0), SI index -> BX bdf. */
pci32_find_class:
        pushl %ebp
        pushl %edi
        movl %ecx, %edi
        shll $PCI_CLASS_SHIFT, %edi     /* class code in bits 31:8 of dword 8 */
        movl $PCI_CLASS_MASK, %ebp
        pushl $PCI_CLASS_DWORD
        /* fall through */

/* Stack: register, edi, ebp. edi = value, ebp = mask. Scans bus 0 to the last bus,
 * skipping functions 1-7 of single-function devices; the SI-th match (from 0) wins. */
pci32_find:
        pushl %esi
        pushl %edx
        pushl %ecx
        pushl %eax
        /* stack: eax ecx edx esi register edi ebp */
        movzwl %si, %esi
        xorl %ebx, %ebx
2:      xorl %edx, %edx                 /* register 0: vendor, device */
        call pci32_read
        cmpw $PCI_VENDOR_NONE, %ax
        je 5f
        movl 16(%esp), %edx             /* the register compared */
        call pci32_read
        andl %ebp, %eax
        cmpl %edi, %eax
        jne 4f
        testl %esi, %esi
        jz 7f
        decl %esi
4:      testb $PCI_FN_MASK, %bl         /* function 0 of a single-function device: */
        jnz 6f                          /* the other seven are not there */
        movl $PCI_HEADER_DWORD, %edx
        call pci32_read
        testl $PCI_HEADER_MULTI, %eax
        jnz 6f
        jmp 8f
5:      testb $PCI_FN_MASK, %bl         /* no function 0: no device */
        jnz 6f
8:      orb $PCI_FN_MASK, %bl
6:      incl %ebx
        cmpl $PCI_MAX_BDF, %ebx
        ja 3f
        call 9f
9:      popl %edx
        movzbl %cs:(xenbios_pci_last_bus - 9b)(%edx), %edx
        movl %ebx, %eax
        shrl $PCI_BDF_SHIFT, %eax
        cmpl %edx, %eax                 /* past the last bus? */
        jbe 2b
3:      popl %eax
        popl %ecx
        popl %edx
        popl %esi
        addl $4, %esp
        popl %edi
        popl %ebp
        movb $PCI_NOT_FOUND, %ah
        stc
        lret
7:      popl %eax
        popl %ecx
        popl %edx
        popl %esi
        addl $4, %esp
        popl %edi
        popl %ebp
        jmp pci32_ok

/* Select register dl of function bx and read its dword into eax. Keeps the others. */
pci32_read:
        movzwl %bx, %eax
        shll $PCI_BDF_SHIFT, %eax
        andl $PCI_DWORD_REG, %edx
        orl %edx, %eax
        orl $PCI_ENABLE, %eax
        movw $PCI_ADDR, %dx
        outl %eax, %dx
        movw $PCI_DATA, %dx
        inl %dx, %eax
        ret

/* Select register di of function bx; edx = the data port for its byte lane. */
pci32_select:
        movzwl %bx, %eax
        shll $PCI_BDF_SHIFT, %eax
        movl %edi, %edx
        andl $PCI_DWORD_REG, %edx
        orl %edx, %eax
        orl $PCI_ENABLE, %eax
        movw $PCI_ADDR, %dx
        outl %eax, %dx
        movl %edi, %edx
        andl $PCI_BYTE_LANE, %edx
        addl $PCI_DATA, %edx
        ret

/* B108-B10D: BX bdf, DI register; CL/CX/ECX in or out. */
pci32_config:
        testw $PCI_REGS_MASK, %di
        jnz pci32_bad_register
        cmpb $PCI_READ_WORD, %al
        je 1f
        cmpb $PCI_WRITE_WORD, %al
        je 1f
        cmpb $PCI_READ_DWORD, %al
        je 2f
        cmpb $PCI_WRITE_DWORD, %al
        je 2f
        jmp 3f
1:      testw $PCI_WORD_ALIGN, %di
        jnz pci32_bad_register
        jmp 3f
2:      testw $PCI_DWORD_ALIGN, %di
        jnz pci32_bad_register
3:      pushl %edx
        pushl %eax                      /* (%esp): the function */
        call pci32_select
        cmpb $PCI_READ_BYTE, (%esp)
        je 4f
        cmpb $PCI_READ_WORD, (%esp)
        je 5f
        cmpb $PCI_READ_DWORD, (%esp)
        je 6f
        cmpb $PCI_WRITE_BYTE, (%esp)
        je 7f
        cmpb $PCI_WRITE_WORD, (%esp)
        je 8f
        movl %ecx, %eax                 /* write dword */
        outl %eax, %dx
        jmp 9f
4:      inb %dx, %al
        movb %al, %cl
        jmp 9f
5:      inw %dx, %ax
        movw %ax, %cx
        jmp 9f
6:      inl %dx, %eax
        movl %eax, %ecx
        jmp 9f
7:      movb %cl, %al
        outb %al, %dx
        jmp 9f
8:      movw %cx, %ax
        outw %ax, %dx
9:      popl %eax
        popl %edx
        jmp pci32_ok

/* PnP BIOS entry (real mode and 16-bit protected mode alike). */
        .code16
        .global xenbios_pnp_entry
xenbios_pnp_entry:
        movw $PNP_NOT_SUPPORTED, %ax
        lretw

/* ---------------------------------------------------------------------------------- */
        .section .fseg_data, "aw"

        .balign 16
        .global xenbios_bios32_header
xenbios_bios32_header:
        .ascii "_32_"
        .long xenbios_bios32 + BIOS_BASE /* entry point, physical */
        .byte BIOS32_REVISION
        .byte BIOS32_PARAGRAPHS         /* length */
        .global xenbios_bios32_checksum /* linker.ld checks where, and the length */
xenbios_bios32_checksum:
        .byte 0                         /* checksum (POST) */
        .fill 5, 1, 0
        .global xenbios_bios32_header_end
xenbios_bios32_header_end:

        .balign 16
        .global xenbios_pnp_header
xenbios_pnp_header:
        .ascii "$PnP"
        .byte PNP_VERSION_1_0
        .byte PNP_HEADER_LEN
        .word 0                         /* control: no event notification */
        .global xenbios_pnp_checksum    /* linker.ld checks where, and the length */
xenbios_pnp_checksum:
        .byte 0                         /* checksum (POST) */
        .long 0                         /* event notification flag address */
        .word xenbios_pnp_entry         /* real-mode entry: offset, segment */
        .word BIOS_SEG
        .word xenbios_pnp_entry         /* 16-bit protected-mode entry: offset, base */
        .long BIOS_BASE
        .long 0                         /* OEM device identifier */
        .word BIOS_SEG                  /* real-mode data segment */
        .long BIOS_BASE                 /* protected-mode data segment base */
        .global xenbios_pnp_header_end
xenbios_pnp_header_end:

        .balign 16
        .global xenbios_fseg_pool
xenbios_fseg_pool:
        .fill FSEG_POOL_SIZE, 1, 0
        .global xenbios_fseg_pool_end
xenbios_fseg_pool_end:

        .text
        .code32
