#ifndef CHARGEBRIDGE_CSOCKETREADBUFFER_H
#define CHARGEBRIDGE_CSOCKETREADBUFFER_H
#include <stddef.h>

/// libmosquitto reads every packet with three `read()` calls on its socket (the packet type, the
/// remaining length, the rest): three system calls per message, the largest single cost of a
/// client that receives tens of thousands of small messages a second. These functions put a
/// read buffer under libmosquitto, without changing it: its import of `read` (its own
/// relocation slot, nothing else in the process) is pointed at a function that, for the socket
/// the calling thread registered, fills a buffer with one `read()` of up to 64 KiB and hands
/// libmosquitto its bytes from there. Every other `read` of libmosquitto (its wake-up pipe, other
/// threads' sockets) goes to the C library as before.
///
/// The buffer belongs to a thread: only the thread that registered it reads through it, so a
/// socket number reused by another connection never sees its bytes.

/// A buffer for one connection at a time (64 KiB), owned by its client.
typedef struct chargebridge_read_buffer chargebridge_read_buffer;

/// Redirects libmosquitto's `read` once per process; returns 1 when in place (0 when the library
/// or its `read` slot was not found: everything then reads unbuffered, as before).
int chargebridge_read_buffer_install(void);

/// NULL when out of memory (the client then reads unbuffered).
chargebridge_read_buffer *chargebridge_read_buffer_create(void);
void chargebridge_read_buffer_destroy(chargebridge_read_buffer *buffer);

/// From now on the calling thread's libmosquitto reads of `socket` go through `buffer` (emptied
/// first). Plain TCP only: a TLS connection reads through OpenSSL, never libmosquitto's `read`.
void chargebridge_read_buffer_attach(chargebridge_read_buffer *buffer, int socket);

/// The calling thread reads unbuffered again; bytes still buffered are dropped (the connection
/// is gone).
void chargebridge_read_buffer_detach(chargebridge_read_buffer *buffer);

/// Bytes read from the socket and not yet handed to libmosquitto: while any are, a `select` on
/// the socket would not say so, so the network loop must not wait on it. (The attached thread.)
size_t chargebridge_read_buffer_pending(const chargebridge_read_buffer *buffer);

/// The `read` system calls made for the buffer and the reads libmosquitto asked it for, in all
/// (any thread; tests: the buffer is in use).
void chargebridge_read_buffer_counts(const chargebridge_read_buffer *buffer, unsigned long *system_reads, unsigned long *requests);
#endif
