/*
 * The firmware's own DSDT (docs/acpi.md), compiled at build time by iasl (build.rs) and
 * included in the image. One AML blob serves QEMU and Xen: what differs between them and
 * from boot to boot is read at run time from the firmware's run-time block XBRT
 * (src/tables/own_acpi.rs, `Runtime`), whose address the firmware patches into the
 * OperationRegion below. The placeholder address 0x58425254 ("XBRT") is what build.rs
 * looks for in the AML to find the DWord to patch.
 *
 * Facts: ACPI 6.5 (PCI root bridge _CRS/_PRT, link devices, processor devices ACPI0007,
 * \_PIC, \_S5), Intel 82371SB/AB datasheets (PIRQ route registers 0x60-0x63, bit 7 =
 * routing disabled), QEMU hw/isa/piix.c (slot wiring: PIRQ = (slot + pin - 1) mod 4 with
 * pin 0 = INTA#), Xen xen/arch/x86/include/asm/hvm/irq.h (hvm_pci_intx_gsi: INTx goes
 * straight to IOAPIC GSI ((dev*4 + dev/8 + intx) & 31) + 16).
 */
DefinitionBlock ("", "DSDT", 2, "XENBIO", "XENBIOS ", 1)
{
    /* The run-time block: keep in step with own_acpi.rs (RT_* offsets). */
    OperationRegion (XBRT, SystemMemory, 0x58425254, 0x38)
    Field (XBRT, DWordAcc, NoLock, Preserve)
    {
        SIGN, 32,   /* "XBRT" */
        FLAV, 32,   /* 0 QEMU, 1 Xen */
        NCPU, 32,   /* CPUs in the MADT */
        HPTP, 32,   /* 1: an HPET at 0xFED00000 */
        COM1, 32,   /* 1: a 16550 at 0x3F8 */
        BUSM, 32,   /* last PCI bus number */
        IOMN, 32,   /* PCI I/O window, inclusive */
        IOMX, 32,
        MMMN, 32,   /* PCI 32-bit memory window, inclusive */
        MMMX, 32,
        CPON, 128   /* online CPUs, bit i = CPU i */
    }

    /* \_PIC (ACPI 6.5, 5.8.1): 0 PIC mode, 1 APIC mode. */
    Name (PICM, Zero)
    Method (_PIC, 1, NotSerialized)
    {
        PICM = Arg0
    }

    /* S5 soft off: SLP_TYP 0 in PIIX4 PM1a_CNT (QEMU hw/acpi/core.c acpi_pm1_cnt_write;
       Xen's libacpi dsdt.asl uses 0 too). */
    Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero })

    Scope (\_SB)
    {
        /* _STA of CPU Arg0: present and enabled when it is one of NCPU and online. */
        Method (CSTA, 1, NotSerialized)
        {
            If (Arg0 >= NCPU)
            {
                Return (Zero)
            }
            Local0 = CPON
            If (DerefOf (Local0 [Arg0 >> 3]) & (One << (Arg0 & 7)))
            {
                Return (0x0F)
            }
            Return (Zero)
        }

        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A03"))
            Name (_UID, Zero)
            Name (_BBN, Zero)

            Name (CRES, ResourceTemplate ()
            {
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x00FF, 0x0000, 0x0100,,, BUSR)
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0xC000, 0xFFFF, 0x0000, 0x4000,,, IOWN)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable,
                    ReadWrite, 0x00000000, 0x000A0000, 0x000BFFFF, 0x00000000, 0x00020000)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable,
                    ReadWrite, 0x00000000, 0xE0000000, 0xFEBFFFFF, 0x00000000, 0x1EC00000,,,
                    MEMW)
            })
            CreateWordField (CRES, \_SB.PCI0.BUSR._MAX, BMAX)
            CreateWordField (CRES, \_SB.PCI0.BUSR._LEN, BLEN)
            CreateWordField (CRES, \_SB.PCI0.IOWN._MIN, IMIN)
            CreateWordField (CRES, \_SB.PCI0.IOWN._MAX, IMAX)
            CreateWordField (CRES, \_SB.PCI0.IOWN._LEN, ILEN)
            CreateDWordField (CRES, \_SB.PCI0.MEMW._MIN, MMIN)
            CreateDWordField (CRES, \_SB.PCI0.MEMW._MAX, MMAX)
            CreateDWordField (CRES, \_SB.PCI0.MEMW._LEN, MLEN)

            Method (_CRS, 0, Serialized)
            {
                BMAX = BUSM
                BLEN = BUSM + One
                IMIN = IOMN
                IMAX = IOMX
                ILEN = IOMX - IOMN + One
                MMIN = MMMN
                MMAX = MMMX
                MLEN = MMMX - MMMN + One
                Return (CRES)
            }

            /*
             * Interrupt routing of bus 0, 32 slots x INTA#-INTD#. PIC mode, and APIC mode
             * on QEMU: through the PIIX link devices (the PIRQ an INTx reaches is routed
             * to an ISA IRQ, which is also the IOAPIC input of that number). APIC mode on
             * Xen: straight to the IOAPIC GSI Xen wires the INTx to.
             */
            Method (_PRT, 0, NotSerialized)
            {
                Local0 = Package (0x80) {}
                Local1 = Zero
                While (Local1 < 0x80)
                {
                    Local2 = Local1 >> 2      /* slot */
                    Local3 = Local1 & 3       /* pin, 0 = INTA# */
                    If (PICM && (FLAV == One))
                    {
                        Local4 = Package (0x04) { Zero, Zero, Zero, Zero }
                        Local4 [3] = ((Local2 * 4 + Local2 / 8 + Local3) & 31) + 16
                    }
                    Else
                    {
                        If (FLAV == One)
                        {
                            /* Xen hvm_pci_intx_link: (dev + intx) mod 4 */
                            Local5 = (Local2 + Local3) & 3
                        }
                        Else
                        {
                            /* QEMU hw/isa/piix.c pci_slot_get_pirq: (pin + slot - 1) mod 4 */
                            Local5 = (Local2 + Local3 + 3) & 3
                        }
                        If (Local5 == Zero)
                        {
                            Local4 = Package (0x04) { Zero, Zero, LNKA, Zero }
                        }
                        ElseIf (Local5 == One)
                        {
                            Local4 = Package (0x04) { Zero, Zero, LNKB, Zero }
                        }
                        ElseIf (Local5 == 2)
                        {
                            Local4 = Package (0x04) { Zero, Zero, LNKC, Zero }
                        }
                        Else
                        {
                            Local4 = Package (0x04) { Zero, Zero, LNKD, Zero }
                        }
                    }
                    Local4 [0] = (Local2 << 16) | 0xFFFF
                    Local4 [1] = Local3
                    Local0 [Local1] = Local4
                    Local1++
                }
                Return (Local0)
            }

            /* The PIIX3 PCI-to-ISA bridge at 00:01.0 and what sits on its ISA bus. */
            Device (ISA)
            {
                Name (_ADR, 0x00010000)

                /* PIRQA-D route control (82371SB 2.2.9). */
                OperationRegion (PIRQ, PCI_Config, 0x60, 0x04)
                Field (PIRQ, ByteAcc, NoLock, Preserve)
                {
                    PRQA, 8,
                    PRQB, 8,
                    PRQC, 8,
                    PRQD, 8
                }

                Device (PIC)
                {
                    Name (_HID, EisaId ("PNP0000"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0020, 0x0020, 0x01, 0x02)
                        IO (Decode16, 0x00A0, 0x00A0, 0x01, 0x02)
                        IO (Decode16, 0x04D0, 0x04D0, 0x01, 0x02)
                        IRQNoFlags () {2}
                    })
                }

                Device (TMR)
                {
                    Name (_HID, EisaId ("PNP0100"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0040, 0x0040, 0x01, 0x04)
                        IRQNoFlags () {0}
                    })
                }

                Device (RTC)
                {
                    Name (_HID, EisaId ("PNP0B00"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0070, 0x0070, 0x01, 0x02)
                        IRQNoFlags () {8}
                    })
                }

                Device (KBD)
                {
                    Name (_HID, EisaId ("PNP0303"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0060, 0x0060, 0x01, 0x01)
                        IO (Decode16, 0x0064, 0x0064, 0x01, 0x01)
                        IRQNoFlags () {1}
                    })
                }

                Device (MOU)
                {
                    Name (_HID, EisaId ("PNP0F13"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IRQNoFlags () {12}
                    })
                }

                Device (UAR1)
                {
                    Name (_HID, EisaId ("PNP0501"))
                    Name (_UID, One)
                    Method (_STA, 0, NotSerialized)
                    {
                        If (COM1)
                        {
                            Return (0x0F)
                        }
                        Return (Zero)
                    }
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
                        IRQNoFlags () {4}
                    })
                }
            }

            /* HPET (IA-PC HPET 1.0a, 3.2.5): the block QEMU and Xen put at 0xFED00000. */
            Device (HPET)
            {
                Name (_HID, EisaId ("PNP0103"))
                Name (_UID, Zero)
                Method (_STA, 0, NotSerialized)
                {
                    If (HPTP)
                    {
                        Return (0x0F)
                    }
                    Return (Zero)
                }
                Name (_CRS, ResourceTemplate ()
                {
                    Memory32Fixed (ReadOnly, 0xFED00000, 0x00000400)
                })
            }
        }

        /*
         * PCI interrupt links (ACPI 6.5, 6.2.13): LNKA-D are PIRQA-D. An enabled link
         * holds its ISA IRQ in bits 3:0 of its route register, bit 7 set disables it.
         */
        Name (PRSL, ResourceTemplate ()
        {
            Interrupt (ResourceConsumer, Level, ActiveHigh, Shared) {5, 10, 11}
        })
        Method (LSTA, 1, NotSerialized)
        {
            If (Arg0 & 0x80)
            {
                Return (0x09)
            }
            Return (0x0B)
        }
        Method (LCRS, 1, Serialized)
        {
            Name (RES, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared) {0}
            })
            CreateDWordField (RES, 5, IRQ)
            If (!(Arg0 & 0x80))
            {
                IRQ = Arg0 & 0x0F
            }
            Return (RES)
        }
        Method (LSRS, 1, NotSerialized)
        {
            CreateDWordField (Arg0, 5, IRQ)
            Return (IRQ)
        }

        Device (LNKA)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 1)
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQA)) }
            Method (_PRS, 0, NotSerialized) { Return (PRSL) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQA)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQA = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQA |= 0x80 }
        }

        Device (LNKB)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 2)
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQB)) }
            Method (_PRS, 0, NotSerialized) { Return (PRSL) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQB)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQB = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQB |= 0x80 }
        }

        Device (LNKC)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 3)
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQC)) }
            Method (_PRS, 0, NotSerialized) { Return (PRSL) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQC)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQC = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQC |= 0x80 }
        }

        Device (LNKD)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 4)
            Method (_STA, 0, NotSerialized) { Return (LSTA (\_SB.PCI0.ISA.PRQD)) }
            Method (_PRS, 0, NotSerialized) { Return (PRSL) }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (\_SB.PCI0.ISA.PRQD)) }
            Method (_SRS, 1, NotSerialized) { \_SB.PCI0.ISA.PRQD = LSRS (Arg0) }
            Method (_DIS, 0, NotSerialized) { \_SB.PCI0.ISA.PRQD |= 0x80 }
        }

        /*
         * Processors: 128 (Xen's HVM_MAX_VCPUS), _UID i = the ACPI processor UID of MADT
         * entry i. Only those CSTA says exist are present. (Generated lines: one per CPU.)
         */
        Device (C000) { Name (_HID, "ACPI0007") Name (_UID, 0x00) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C001) { Name (_HID, "ACPI0007") Name (_UID, 0x01) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C002) { Name (_HID, "ACPI0007") Name (_UID, 0x02) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C003) { Name (_HID, "ACPI0007") Name (_UID, 0x03) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C004) { Name (_HID, "ACPI0007") Name (_UID, 0x04) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C005) { Name (_HID, "ACPI0007") Name (_UID, 0x05) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C006) { Name (_HID, "ACPI0007") Name (_UID, 0x06) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C007) { Name (_HID, "ACPI0007") Name (_UID, 0x07) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C008) { Name (_HID, "ACPI0007") Name (_UID, 0x08) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C009) { Name (_HID, "ACPI0007") Name (_UID, 0x09) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C00A) { Name (_HID, "ACPI0007") Name (_UID, 0x0A) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C00B) { Name (_HID, "ACPI0007") Name (_UID, 0x0B) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C00C) { Name (_HID, "ACPI0007") Name (_UID, 0x0C) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C00D) { Name (_HID, "ACPI0007") Name (_UID, 0x0D) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C00E) { Name (_HID, "ACPI0007") Name (_UID, 0x0E) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C00F) { Name (_HID, "ACPI0007") Name (_UID, 0x0F) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C010) { Name (_HID, "ACPI0007") Name (_UID, 0x10) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C011) { Name (_HID, "ACPI0007") Name (_UID, 0x11) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C012) { Name (_HID, "ACPI0007") Name (_UID, 0x12) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C013) { Name (_HID, "ACPI0007") Name (_UID, 0x13) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C014) { Name (_HID, "ACPI0007") Name (_UID, 0x14) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C015) { Name (_HID, "ACPI0007") Name (_UID, 0x15) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C016) { Name (_HID, "ACPI0007") Name (_UID, 0x16) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C017) { Name (_HID, "ACPI0007") Name (_UID, 0x17) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C018) { Name (_HID, "ACPI0007") Name (_UID, 0x18) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C019) { Name (_HID, "ACPI0007") Name (_UID, 0x19) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C01A) { Name (_HID, "ACPI0007") Name (_UID, 0x1A) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C01B) { Name (_HID, "ACPI0007") Name (_UID, 0x1B) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C01C) { Name (_HID, "ACPI0007") Name (_UID, 0x1C) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C01D) { Name (_HID, "ACPI0007") Name (_UID, 0x1D) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C01E) { Name (_HID, "ACPI0007") Name (_UID, 0x1E) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C01F) { Name (_HID, "ACPI0007") Name (_UID, 0x1F) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C020) { Name (_HID, "ACPI0007") Name (_UID, 0x20) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C021) { Name (_HID, "ACPI0007") Name (_UID, 0x21) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C022) { Name (_HID, "ACPI0007") Name (_UID, 0x22) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C023) { Name (_HID, "ACPI0007") Name (_UID, 0x23) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C024) { Name (_HID, "ACPI0007") Name (_UID, 0x24) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C025) { Name (_HID, "ACPI0007") Name (_UID, 0x25) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C026) { Name (_HID, "ACPI0007") Name (_UID, 0x26) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C027) { Name (_HID, "ACPI0007") Name (_UID, 0x27) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C028) { Name (_HID, "ACPI0007") Name (_UID, 0x28) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C029) { Name (_HID, "ACPI0007") Name (_UID, 0x29) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C02A) { Name (_HID, "ACPI0007") Name (_UID, 0x2A) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C02B) { Name (_HID, "ACPI0007") Name (_UID, 0x2B) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C02C) { Name (_HID, "ACPI0007") Name (_UID, 0x2C) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C02D) { Name (_HID, "ACPI0007") Name (_UID, 0x2D) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C02E) { Name (_HID, "ACPI0007") Name (_UID, 0x2E) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C02F) { Name (_HID, "ACPI0007") Name (_UID, 0x2F) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C030) { Name (_HID, "ACPI0007") Name (_UID, 0x30) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C031) { Name (_HID, "ACPI0007") Name (_UID, 0x31) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C032) { Name (_HID, "ACPI0007") Name (_UID, 0x32) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C033) { Name (_HID, "ACPI0007") Name (_UID, 0x33) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C034) { Name (_HID, "ACPI0007") Name (_UID, 0x34) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C035) { Name (_HID, "ACPI0007") Name (_UID, 0x35) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C036) { Name (_HID, "ACPI0007") Name (_UID, 0x36) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C037) { Name (_HID, "ACPI0007") Name (_UID, 0x37) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C038) { Name (_HID, "ACPI0007") Name (_UID, 0x38) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C039) { Name (_HID, "ACPI0007") Name (_UID, 0x39) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C03A) { Name (_HID, "ACPI0007") Name (_UID, 0x3A) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C03B) { Name (_HID, "ACPI0007") Name (_UID, 0x3B) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C03C) { Name (_HID, "ACPI0007") Name (_UID, 0x3C) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C03D) { Name (_HID, "ACPI0007") Name (_UID, 0x3D) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C03E) { Name (_HID, "ACPI0007") Name (_UID, 0x3E) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C03F) { Name (_HID, "ACPI0007") Name (_UID, 0x3F) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C040) { Name (_HID, "ACPI0007") Name (_UID, 0x40) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C041) { Name (_HID, "ACPI0007") Name (_UID, 0x41) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C042) { Name (_HID, "ACPI0007") Name (_UID, 0x42) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C043) { Name (_HID, "ACPI0007") Name (_UID, 0x43) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C044) { Name (_HID, "ACPI0007") Name (_UID, 0x44) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C045) { Name (_HID, "ACPI0007") Name (_UID, 0x45) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C046) { Name (_HID, "ACPI0007") Name (_UID, 0x46) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C047) { Name (_HID, "ACPI0007") Name (_UID, 0x47) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C048) { Name (_HID, "ACPI0007") Name (_UID, 0x48) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C049) { Name (_HID, "ACPI0007") Name (_UID, 0x49) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C04A) { Name (_HID, "ACPI0007") Name (_UID, 0x4A) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C04B) { Name (_HID, "ACPI0007") Name (_UID, 0x4B) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C04C) { Name (_HID, "ACPI0007") Name (_UID, 0x4C) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C04D) { Name (_HID, "ACPI0007") Name (_UID, 0x4D) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C04E) { Name (_HID, "ACPI0007") Name (_UID, 0x4E) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C04F) { Name (_HID, "ACPI0007") Name (_UID, 0x4F) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C050) { Name (_HID, "ACPI0007") Name (_UID, 0x50) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C051) { Name (_HID, "ACPI0007") Name (_UID, 0x51) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C052) { Name (_HID, "ACPI0007") Name (_UID, 0x52) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C053) { Name (_HID, "ACPI0007") Name (_UID, 0x53) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C054) { Name (_HID, "ACPI0007") Name (_UID, 0x54) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C055) { Name (_HID, "ACPI0007") Name (_UID, 0x55) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C056) { Name (_HID, "ACPI0007") Name (_UID, 0x56) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C057) { Name (_HID, "ACPI0007") Name (_UID, 0x57) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C058) { Name (_HID, "ACPI0007") Name (_UID, 0x58) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C059) { Name (_HID, "ACPI0007") Name (_UID, 0x59) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C05A) { Name (_HID, "ACPI0007") Name (_UID, 0x5A) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C05B) { Name (_HID, "ACPI0007") Name (_UID, 0x5B) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C05C) { Name (_HID, "ACPI0007") Name (_UID, 0x5C) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C05D) { Name (_HID, "ACPI0007") Name (_UID, 0x5D) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C05E) { Name (_HID, "ACPI0007") Name (_UID, 0x5E) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C05F) { Name (_HID, "ACPI0007") Name (_UID, 0x5F) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C060) { Name (_HID, "ACPI0007") Name (_UID, 0x60) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C061) { Name (_HID, "ACPI0007") Name (_UID, 0x61) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C062) { Name (_HID, "ACPI0007") Name (_UID, 0x62) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C063) { Name (_HID, "ACPI0007") Name (_UID, 0x63) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C064) { Name (_HID, "ACPI0007") Name (_UID, 0x64) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C065) { Name (_HID, "ACPI0007") Name (_UID, 0x65) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C066) { Name (_HID, "ACPI0007") Name (_UID, 0x66) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C067) { Name (_HID, "ACPI0007") Name (_UID, 0x67) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C068) { Name (_HID, "ACPI0007") Name (_UID, 0x68) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C069) { Name (_HID, "ACPI0007") Name (_UID, 0x69) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C06A) { Name (_HID, "ACPI0007") Name (_UID, 0x6A) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C06B) { Name (_HID, "ACPI0007") Name (_UID, 0x6B) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C06C) { Name (_HID, "ACPI0007") Name (_UID, 0x6C) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C06D) { Name (_HID, "ACPI0007") Name (_UID, 0x6D) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C06E) { Name (_HID, "ACPI0007") Name (_UID, 0x6E) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C06F) { Name (_HID, "ACPI0007") Name (_UID, 0x6F) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C070) { Name (_HID, "ACPI0007") Name (_UID, 0x70) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C071) { Name (_HID, "ACPI0007") Name (_UID, 0x71) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C072) { Name (_HID, "ACPI0007") Name (_UID, 0x72) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C073) { Name (_HID, "ACPI0007") Name (_UID, 0x73) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C074) { Name (_HID, "ACPI0007") Name (_UID, 0x74) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C075) { Name (_HID, "ACPI0007") Name (_UID, 0x75) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C076) { Name (_HID, "ACPI0007") Name (_UID, 0x76) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C077) { Name (_HID, "ACPI0007") Name (_UID, 0x77) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C078) { Name (_HID, "ACPI0007") Name (_UID, 0x78) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C079) { Name (_HID, "ACPI0007") Name (_UID, 0x79) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C07A) { Name (_HID, "ACPI0007") Name (_UID, 0x7A) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C07B) { Name (_HID, "ACPI0007") Name (_UID, 0x7B) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C07C) { Name (_HID, "ACPI0007") Name (_UID, 0x7C) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C07D) { Name (_HID, "ACPI0007") Name (_UID, 0x7D) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C07E) { Name (_HID, "ACPI0007") Name (_UID, 0x7E) Method (_STA) { Return (CSTA (_UID)) } }
        Device (C07F) { Name (_HID, "ACPI0007") Name (_UID, 0x7F) Method (_STA) { Return (CSTA (_UID)) } }
    }
}
