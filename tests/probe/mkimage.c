/*
 * mkimage: the int13 probe's disk image.
 *
 *   mkimage OUT.img SIZE_MIB PROBE.bin
 *
 * Every 512-byte sector holds the pattern of its LBA:
 *     dword[i] = LBA + i * PATTERN_STEP      (i = 0..127, little endian, mod 2^32)
 * so dword 0 is the LBA itself and every dword of the disk is predictable. The probe
 * (tests/probe/probe.S, pattern_check) recomputes it to verify any sector it reads.
 * The probe program then overwrites the first sectors (it must fit in the reserved
 * area: PROBE_AREA_SECTORS, mirrored in probe.S).
 */
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR_SIZE 512u
#define DWORDS_PER_SECTOR (SECTOR_SIZE / 4u)
/* Keep in sync with PATTERN_STEP in probe.S (the golden-ratio constant: every dword differs). */
#define PATTERN_STEP 0x9E3779B9u
/* Keep in sync with PROBE_AREA_SECTORS in probe.S. */
#define PROBE_AREA_SECTORS 64u
/* Sectors written per fwrite. */
#define CHUNK_SECTORS 2048u

static void die(const char *what)
{
    perror(what);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s OUT.img SIZE_MIB PROBE.bin\n", argv[0]);
        return 2;
    }
    char *end;
    unsigned long mib = strtoul(argv[2], &end, 0);
    if (*end || mib == 0 || mib > 1024u * 1024u) {
        fprintf(stderr, "mkimage: bad size '%s' (MiB)\n", argv[2]);
        return 2;
    }
    uint64_t sectors = (uint64_t)mib * 1024u * 1024u / SECTOR_SIZE;

    FILE *probe = fopen(argv[3], "rb");
    if (!probe)
        die(argv[3]);
    static uint8_t code[PROBE_AREA_SECTORS * SECTOR_SIZE];
    size_t code_len = fread(code, 1, sizeof(code), probe);
    if (fgetc(probe) != EOF) {
        fprintf(stderr, "mkimage: %s is larger than the probe area (%u sectors)\n",
                argv[3], PROBE_AREA_SECTORS);
        return 1;
    }
    fclose(probe);

    FILE *out = fopen(argv[1], "wb");
    if (!out)
        die(argv[1]);
    static uint32_t chunk[CHUNK_SECTORS * DWORDS_PER_SECTOR];
    for (uint64_t lba = 0; lba < sectors; lba += CHUNK_SECTORS) {
        uint64_t n = sectors - lba < CHUNK_SECTORS ? sectors - lba : CHUNK_SECTORS;
        for (uint64_t s = 0; s < n; s++) {
            uint32_t v = (uint32_t)(lba + s);
            uint32_t *d = &chunk[s * DWORDS_PER_SECTOR];
            for (unsigned i = 0; i < DWORDS_PER_SECTOR; i++, v += PATTERN_STEP)
                d[i] = htole32(v);
        }
        if (lba == 0)
            memcpy(chunk, code, code_len);
        if (fwrite(chunk, SECTOR_SIZE, n, out) != n)
            die(argv[1]);
    }
    if (fclose(out))
        die(argv[1]);
    return 0;
}
