// Process-wide settings Swift cannot reach directly (variadic C calls).
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

#endif
