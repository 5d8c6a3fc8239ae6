// A read buffer under libmosquitto: see CSocketReadBuffer.h.
#define _GNU_SOURCE
#include "CSocketReadBuffer.h"
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { CAPACITY = 64 * 1024 };

struct chargebridge_read_buffer {
    int socket;
    size_t start, end;
    unsigned long system_reads, requests;  // atomic: read by tests from other threads
    unsigned char bytes[CAPACITY];
};

/// The attached buffer of this thread (NULL: unbuffered).
static __thread chargebridge_read_buffer *current;

static ssize_t buffered_read(int fd, void *destination, size_t count) {
    chargebridge_read_buffer *buffer = current;
    if (buffer == NULL || buffer->socket != fd || count == 0) return read(fd, destination, count);
    __atomic_fetch_add(&buffer->requests, 1, __ATOMIC_RELAXED);
    if (buffer->start == buffer->end) {
        __atomic_fetch_add(&buffer->system_reads, 1, __ATOMIC_RELAXED);
        ssize_t got = read(fd, buffer->bytes, CAPACITY);
        if (got <= 0) return got;  // 0 (closed) or -1 with errno (EAGAIN included), as read says
        buffer->start = 0;
        buffer->end = (size_t)got;
    }
    size_t available = buffer->end - buffer->start;
    size_t taken = count < available ? count : available;
    memcpy(destination, buffer->bytes + buffer->start, taken);
    buffer->start += taken;
    return (ssize_t)taken;
}

// MARK: - Pointing libmosquitto's `read` slot at buffered_read

static int installed;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

/// Dynamic-section addresses are absolute in glibc's loaded copy on most targets, relative on
/// some: either way an address inside the object.
static uintptr_t absolute(uintptr_t base, uintptr_t value) { return value < base ? base + value : value; }

static int patch_slot(uintptr_t slot, const ElfW(Phdr) *headers, int count, uintptr_t base) {
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t first = slot & ~((uintptr_t)page - 1);
    int relro = 0;
    for (int i = 0; i < count; i++) {
        if (headers[i].p_type != PT_GNU_RELRO) continue;
        uintptr_t from = base + headers[i].p_vaddr;
        if (slot >= from && slot < from + headers[i].p_memsz) relro = 1;
    }
    if (mprotect((void *)first, (size_t)page, PROT_READ | PROT_WRITE) != 0) return 0;
    __atomic_store_n((void **)slot, (void *)&buffered_read, __ATOMIC_SEQ_CST);
    if (relro) mprotect((void *)first, (size_t)page, PROT_READ);
    return 1;
}

static int patch_object(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    (void)data;
    if (info->dlpi_name == NULL || strstr(info->dlpi_name, "libmosquitto.so") == NULL) return 0;
    uintptr_t base = info->dlpi_addr;
    const ElfW(Dyn) *dynamic = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type == PT_DYNAMIC) dynamic = (const ElfW(Dyn) *)(base + info->dlpi_phdr[i].p_vaddr);
    }
    if (dynamic == NULL) return 1;
    const ElfW(Sym) *symbols = NULL;
    const char *names = NULL;
    const ElfW(Rela) *tables[2] = {NULL, NULL};
    size_t sizes[2] = {0, 0};
    for (const ElfW(Dyn) *entry = dynamic; entry->d_tag != DT_NULL; entry++) {
        switch (entry->d_tag) {
        case DT_SYMTAB: symbols = (const ElfW(Sym) *)absolute(base, entry->d_un.d_ptr); break;
        case DT_STRTAB: names = (const char *)absolute(base, entry->d_un.d_ptr); break;
        case DT_JMPREL: tables[0] = (const ElfW(Rela) *)absolute(base, entry->d_un.d_ptr); break;
        case DT_PLTRELSZ: sizes[0] = entry->d_un.d_val; break;
        case DT_RELA: tables[1] = (const ElfW(Rela) *)absolute(base, entry->d_un.d_ptr); break;
        case DT_RELASZ: sizes[1] = entry->d_un.d_val; break;
        case DT_PLTREL: if (entry->d_un.d_val != DT_RELA) return 1; break;  // REL-only targets: not handled
        default: break;
        }
    }
    if (symbols == NULL || names == NULL) return 1;
    int patched = 0;
    for (int table = 0; table < 2; table++) {
        if (tables[table] == NULL) continue;
        for (size_t i = 0; i < sizes[table] / sizeof(ElfW(Rela)); i++) {
            const ElfW(Rela) *relocation = &tables[table][i];
            unsigned long type = ELF64_R_TYPE(relocation->r_info);
            if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) continue;
            const ElfW(Sym) *symbol = &symbols[ELF64_R_SYM(relocation->r_info)];
            if (strcmp(names + symbol->st_name, "read") != 0) continue;
            patched |= patch_slot(base + relocation->r_offset, info->dlpi_phdr, info->dlpi_phnum, base);
        }
    }
    installed = patched;
    return 1;
}

static void install(void) {
#if defined(__x86_64__) && defined(__linux__)
    dl_iterate_phdr(patch_object, NULL);
#endif
}

int chargebridge_read_buffer_install(void) {
    pthread_once(&install_once, install);
    return installed;
}

chargebridge_read_buffer *chargebridge_read_buffer_create(void) {
    return calloc(1, sizeof(chargebridge_read_buffer));
}

void chargebridge_read_buffer_destroy(chargebridge_read_buffer *buffer) {
    if (current == buffer) current = NULL;
    free(buffer);
}

void chargebridge_read_buffer_attach(chargebridge_read_buffer *buffer, int socket) {
    if (buffer == NULL) return;
    buffer->start = buffer->end = 0;
    buffer->socket = socket;
    current = buffer;
}

void chargebridge_read_buffer_detach(chargebridge_read_buffer *buffer) {
    if (buffer == NULL) return;
    if (current == buffer) current = NULL;
    buffer->start = buffer->end = 0;
}

size_t chargebridge_read_buffer_pending(const chargebridge_read_buffer *buffer) {
    return buffer == NULL ? 0 : buffer->end - buffer->start;
}

void chargebridge_read_buffer_counts(const chargebridge_read_buffer *buffer, unsigned long *system_reads, unsigned long *requests) {
    *system_reads = buffer == NULL ? 0 : __atomic_load_n(&buffer->system_reads, __ATOMIC_RELAXED);
    *requests = buffer == NULL ? 0 : __atomic_load_n(&buffer->requests, __ATOMIC_RELAXED);
}
