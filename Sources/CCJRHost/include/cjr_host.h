// What Swift cannot reach directly: variadic C calls, GNU extensions.
#ifndef CJR_HOST_H
#define CJR_HOST_H

/// Makes this process non-dumpable: its /proc files (memory, environment, file
/// descriptors) become root-only, so a job running as the same user cannot read the
/// server's memory, where its API tokens live. Returns 0 on success.
int cjr_set_undumpable(void);

/// Tries to bind `host`:`port` as the server will (TCP, SO_REUSEADDR) and lets it go.
/// Returns 0 when it can, else the errno of the attempt (EADDRINUSE: someone listens
/// there; EADDRNOTAVAIL: not an address of this machine), or -1 when the host does not
/// resolve.
int cjr_probe_bind(const char *host, int port);

#include <stddef.h>

/// glibc's memmem (a GNU extension Swift's Glibc module does not declare): the first
/// `needle` in `haystack`, or NULL.
const void *cjr_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);

#endif
